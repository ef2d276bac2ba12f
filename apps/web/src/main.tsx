import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { ControlStreamProvider } from './live/context';
import { router } from './app/routes';
import './styles/theme.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ControlStreamProvider>
      <RouterProvider router={router} />
    </ControlStreamProvider>
  </StrictMode>,
);
