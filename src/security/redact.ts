/**
 * The last line of defence against leaking the orchestrator's secrets (SECURITY.md): every value of an
 * environment variable that holds a secret is replaced by `[redacted]` in what goes to a model (the
 * request body of every LLM call), into the journal, into a run's stored reason, and out of the
 * dashboard's API. The sandbox keeps secrets away from agent code in the first place; this catches
 * whatever still carries one (a log the agent shaped, an error message quoting a URL).
 *
 * A secret is the value of a variable whose name contains KEY, TOKEN, SECRET, PASSW or CREDENTIAL, or
 * a URL with a password in it (postgres://user:pass@host), or the value of a database URL variable
 * (FLYWHEEL_DB, DATABASE_URL, ...). Values shorter than 8 characters are left alone: "1" or "true"
 * in a key-named variable is not a secret, and redacting it would mangle every text.
 */
export const REDACTED = '[redacted]';

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL/i;
const DB_NAME = /(^|_)(DB|DATABASE)(_|$)|DATABASE_URL|DB_URL/i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;
const MIN_LENGTH = 8;

function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** The secret values of an environment, longest first (so a secret containing another is replaced whole). */
export function secretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_LENGTH) continue;
    if (
      SECRET_NAME.test(name) ||
      URL_WITH_PASSWORD.test(value) ||
      (DB_NAME.test(name) && value.includes('://'))
    ) {
      out.add(value);
      const password = passwordOf(value);
      if (password && password.length >= MIN_LENGTH) out.add(password);
    }
  }
  // the forms a value takes inside JSON (a request body) and inside a URL
  for (const v of [...out]) {
    const json = JSON.stringify(v).slice(1, -1);
    if (json !== v) out.add(json);
    const enc = encodeURIComponent(v);
    if (enc !== v) out.add(enc);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

let cache: { env: NodeJS.ProcessEnv; keys: string; values: string[] } | undefined;

function currentSecrets(env: NodeJS.ProcessEnv): string[] {
  // the environment can change (tests set keys), so the cache is keyed on the relevant variables
  const keys = Object.keys(env)
    .filter((k) => SECRET_NAME.test(k) || DB_NAME.test(k) || (env[k] ?? '').includes('://'))
    .map((k) => `${k}=${env[k]}`)
    .join('\0');
  if (!cache || cache.env !== env || cache.keys !== keys) cache = { env, keys, values: secretValues(env) };
  return cache.values;
}

/** `text` with every secret value of `env` replaced by `[redacted]`. */
export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const s of currentSecrets(env)) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** Every string inside a JSON-like value redacted (objects and arrays copied; other values as they are). */
export function redactDeep<T>(value: T, env: NodeJS.ProcessEnv = process.env): T {
  if (!currentSecrets(env).length) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, env);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * A `fetch` for the LLM SDKs (their `fetch` option): the request body is redacted before it leaves
 * the process. Headers are untouched (the API key travels there, to the API that owns it).
 */
export const redactingFetch: typeof fetch = (input, init) => {
  if (init && typeof init.body === 'string') init = { ...init, body: redact(init.body) };
  return fetch(input, init);
};
