/** The store controller's embedded brain: its dialogue engine behind the `Brain` interface. */
import { type Brain, ruleBrain } from '../../index.js';
import { decideStore } from './dialogue.js';

export function createStoreControllerBrain(): Brain {
  return ruleBrain('store-controller', decideStore);
}
