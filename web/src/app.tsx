/** The shell: navigation, the live-connection indicator, the token prompt, and the route switch. */
import { useEffect, useState } from 'react';
import { authState } from './api.ts';
import { ComparePage } from './components/compare-page.tsx';
import { ParallelPage } from './components/parallel-page.tsx';
import { RunPage } from './components/run-page.tsx';
import { RunsPage } from './components/runs-page.tsx';
import { ScalingPage } from './components/scaling-page.tsx';
import { SessionPage } from './components/session-page.tsx';
import { SessionsPage } from './components/sessions-page.tsx';
import { useLiveState } from './live.ts';
import { href, useRoute } from './router.ts';

function TokenPrompt() {
  return (
    <form
      className="token-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        const t = new FormData(e.currentTarget).get('token');
        location.href = `/?token=${encodeURIComponent(String(t))}${location.hash}`;
      }}
    >
      This server needs a token (printed by <code>flywheel serve</code>):{' '}
      <input name="token" type="password" autoFocus /> <button>Open</button>
    </form>
  );
}

export function App() {
  const route = useRoute();
  const live = useLiveState();
  const [needToken, setNeedToken] = useState(authState.needed);
  useEffect(() => {
    const f = () => setNeedToken(true);
    authState.listeners.add(f);
    return () => void authState.listeners.delete(f);
  }, []);
  const [section, id] = route.parts;
  let page;
  if (section === 'runs' && id) page = <RunPage key={id} id={id} route={route} />;
  else if (section === 'compare') page = <ComparePage route={route} />;
  else if (section === 'parallel') page = <ParallelPage route={route} />;
  else if (section === 'sessions' && id) page = <SessionPage key={id} id={id} />;
  else if (section === 'sessions') page = <SessionsPage />;
  else if (section === 'scaling') page = <ScalingPage session={route.query.get('session') ?? undefined} />;
  else page = <RunsPage route={route} />;
  const tab = (name: string, label: string) => (
    <a href={href(name)} className={(section ?? 'runs') === name ? 'on' : ''}>
      {label}
    </a>
  );
  return (
    <>
      <nav className="top">
        <strong>Flywheel</strong>
        {tab('runs', 'Runs')}
        {tab('compare', 'Compare')}
        {tab('parallel', 'Parallel coords')}
        {tab('sessions', 'Sessions')}
        {tab('scaling', 'Scaling')}
        <span className={`live live-${live}`} title="live updates (SSE)">
          ● {live}
        </span>
      </nav>
      {needToken && <TokenPrompt />}
      <main>{page}</main>
    </>
  );
}
