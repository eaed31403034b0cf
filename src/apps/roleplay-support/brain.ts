/** The support agent's embedded brain: its dialogue engine behind the `Brain` interface. */
import { type Brain, ruleBrain } from '../../index.js';
import { decideSupport } from './dialogue.js';

export function createRoleplaySupportBrain(): Brain {
  return ruleBrain('roleplay-support', decideSupport);
}
