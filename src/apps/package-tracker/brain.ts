/** The package tracker's embedded brain: the dialogue engine behind the same `Brain` interface as an LLM. */
import { type Brain, ruleBrain } from '../../index.js';
import { decide } from './dialogue.js';

export function createPackageTrackerBrain(): Brain {
  return ruleBrain('package-tracker', decide);
}
