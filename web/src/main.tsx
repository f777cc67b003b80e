import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import './styles.css';

// `/?token=T` set the auth cookie when the page was served; do not leave the token in the address bar.
if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', `/${location.hash}`);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
