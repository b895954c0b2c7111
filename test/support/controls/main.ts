import 'reflect-metadata';
import { exitOnStartFailure, serve } from '../../../src/app/serve';
import { createAppWithTestControls } from './test-controls';

/** The production bootstrap with the test harness's controls: for child processes that need the control group. */
void createAppWithTestControls().then(serve).catch(exitOnStartFailure);
