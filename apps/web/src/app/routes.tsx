import { Navigate, createBrowserRouter, type RouteObject } from 'react-router';
import { Shell } from './Shell';
import { Placeholder } from './Placeholder';
import { FleetView } from '../features/fleet/FleetView';
import { HostConfigView } from '../features/host-config/HostConfigView';
import { HostDetail } from '../features/fleet/HostDetail';
import { ActivityView } from '../features/activity/ActivityView';
import { LogsView } from '../features/logs/LogsView';
import { ModelsView } from '../features/models/ModelsView';
import { BenchmarksView } from '../features/bench/BenchmarksView';
import { ReportsView } from '../features/reports/ReportsView';
import { EvalsView } from '../features/evals/EvalsView';
import { EvalCompareView, EvalRunView } from '../features/evals/EvalRunView';

/**
 * Routes of the Control page. Each view is a feature folder; views not built yet show what
 * they will hold (every view is built now).
 */
export const controlRoutes: RouteObject[] = [
  { index: true, element: <Navigate to="fleet" replace /> },
  { path: 'fleet', element: <FleetView /> },
  { path: 'fleet/:hostId', element: <HostDetail /> },
  { path: 'hosts', element: <HostConfigView /> },
  { path: 'hosts/:hostId/config', element: <HostConfigView /> },
  { path: 'activity', element: <ActivityView /> },
  { path: 'logs', element: <LogsView /> },
  { path: 'models', element: <ModelsView /> },
  { path: 'benchmarks', element: <BenchmarksView /> },
  { path: 'evals', element: <EvalsView /> },
  { path: 'evals/runs/:runId', element: <EvalRunView /> },
  { path: 'evals/compare', element: <EvalCompareView /> },
  { path: 'reports', element: <ReportsView /> },
];

export const router = createBrowserRouter([
  {
    path: '/',
    element: <Shell />,
    children: [
      { index: true, element: <Navigate to="/control/fleet" replace /> },
      { path: 'control', children: controlRoutes },
      { path: '*', element: <Placeholder title="Not found" note="No such page." /> },
    ],
  },
]);
