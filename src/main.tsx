import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { BenchPage } from './components/BenchPage';
import { parseUrlState } from './ui/urlState';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {new URLSearchParams(window.location.search).has('bench') ? (
      <BenchPage config={parseUrlState('', window.location.hash).config} />
    ) : (
      <App />
    )}
  </StrictMode>,
);
