import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { ControlStreamProvider } from './live/context';
import { router } from './app/routes';
import { AuthGate } from './app/AuthGate';
import './styles/theme.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AuthGate>
      <ControlStreamProvider>
        <RouterProvider router={router} />
      </ControlStreamProvider>
    </AuthGate>
  </StrictMode>,
);
