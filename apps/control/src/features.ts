import type { FeatureFactory } from './context';
import { healthFeature } from './health/health.routes';
import { jobsFeature } from './jobs/jobs.routes';
import { hostConfigFeature } from './ssh/ssh-config.routes';
import { fleetFeature } from './fleet/fleet.feature';
import { actionsFeature } from './actions/actions.feature';

/** Every feature control runs, in start order. A new capability adds one line here. */
export const FEATURES: FeatureFactory[] = [healthFeature, jobsFeature, hostConfigFeature, fleetFeature, actionsFeature];
