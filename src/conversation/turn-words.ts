/**
 * Words an agent contributes to turn-taking. The core knows only language-general words
 * (question words, negated auxiliaries, fillers, function words, "number"); what marks a request
 * or an upcoming number in one domain ("refund", "track", "postcode") comes from the agent.
 * Single words, any case.
 */
export interface TurnWords {
  /**
   * Words that make a statement a request of its own ("cancel my order", "it's damaged"): a
   * topic announcement containing one ("I'm calling to cancel my order") is not a preamble, so
   * a falling ending may end the turn.
   */
  requestWords?: readonly string[];
  /**
   * Words that announce a number about to be read out ("order", "postcode"): after one, fewer
   * digits than a whole number means the caller is still reading it, even when the recognizer
   * slipped in a stray word ("my postcode is forty human").
   */
  numberCues?: readonly string[];
}
