/** A config as a table of dotted keys, the way `--set` names them. */
import { value } from '../format.ts';

function flatten(obj: unknown, prefix = '', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.push([prefix, Array.isArray(obj) ? JSON.stringify(obj) : obj]);
  return out;
}

export function ConfigView({ config }: { config: unknown }) {
  return (
    <table className="kv config-view">
      <tbody>
        {flatten(config).map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{typeof v === 'number' && value(v) !== String(v) ? `${value(v)} (${v})` : value(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
