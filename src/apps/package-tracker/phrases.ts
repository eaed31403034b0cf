/**
 * What callers of the package tracker say, as templates for the recognizer's domain language
 * model. `{a|b}` holds alternatives; numbers are words, as the recognizer hears them.
 * Every intent the dialogue engine handles is covered, plus order numbers read digit by digit
 * and in pairs ("forty two nineteen").
 */

const DIGIT = '{zero|oh|one|two|three|four|five|six|seven|eight|nine}';
const TENS = '{twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety}';
const UNIT = '{one|two|three|four|five|six|seven|eight|nine}';
const TEEN = '{ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen}';
const ORDER = '{order|package|parcel|shipment|delivery}';

export const PACKAGE_TRACKER_PHRASES: string[] = [
  // Order numbers. The trigram model chains digits into numbers of any length. Few digit-only
  // templates: each is sampled to ~50 sentences, and more of them made short words ("hi")
  // come out as digits.
  `${DIGIT} ${DIGIT} ${DIGIT} ${DIGIT}`,
  `${DIGIT} ${DIGIT} ${DIGIT}`,
  `${TENS} ${UNIT} ${TEEN}`,
  `${TENS} ${UNIT} ${TENS}`,
  `${TEEN} ${TENS} ${UNIT}`,
  `${TEEN} ${TEEN}`,
  `{it's|it is|the number is|my order number is|the order number is|order number|order} ${DIGIT} ${DIGIT}`,
  `{it's|it is|the number is|my order number is|order number} ${TENS} ${UNIT}`,
  `${DIGIT} ${DIGIT} {um|uh} ${DIGIT}`,
  `double ${DIGIT}`,
  // tracking
  `{where is|where's} my ${ORDER}`,
  `{where is|where's} my order number ${DIGIT}`,
  `{where is|where's} order ${DIGIT}`,
  `{hi|hello} where is my order`,
  `{i want to|i would like to|can you|could you} {track|check on|check} my ${ORDER}`,
  `{what's|what is} the status of my ${ORDER}`,
  `{when will|when does} my ${ORDER} {arrive|get here|come}`,
  `{has|did} my ${ORDER} {shipped|ship|arrive|been delivered}`,
  `why is my ${ORDER} {late|delayed}`,
  `{can you|could you} tell me where my ${ORDER} is`,
  `i'm calling about my ${ORDER}`,
  `what about order ${DIGIT}`,
  // cancelling
  `{i want to|i would like to|please|can you|could you} cancel my order`,
  `cancel {my order|the order|it}`,
  `cancel order ${DIGIT}`,
  `i don't want {it|the order} anymore`,
  // tracking link
  `{can you|could you|please} {send|text} me the tracking link`,
  `send me {a|the} {link|tracking link|tracking number}`,
  `{i need|can i get} the tracking {link|number}`,
  `text me the link`,
  // a person
  `{can i|could i|i want to|i would like to} {talk|speak} to {a person|a human|someone|an agent|a representative}`,
  `{transfer me|put me through} to {a person|a human|someone|an agent}`,
  `{agent|representative|operator|human}`,
  // answers
  `{yes|yeah|yep|sure|correct|okay|ok|right}`,
  `{yes please|yes go ahead|yes do it|yes cancel it|go ahead|do it|that's right}`,
  `{no|nope|no thanks|no thank you|don't cancel it|never mind}`,
  `{mhm|uh huh|right|okay}`,
  // greetings and closings
  `{hi|hello|hey|good morning|good afternoon|good evening}`,
  `{hi|hello|hey}`,
  `{hi|hello}`,
  `hi`,
  `{hi|hello} {there|i need help with my order}`,
  `{thanks|thank you|thank you very much|thanks a lot}`,
  `{bye|goodbye|thanks bye|thank you goodbye|that's all|that's all thanks|that's it}`,
  `{are you there|hello are you there|sorry what}`,
];
