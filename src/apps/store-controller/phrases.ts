/**
 * What store callers say: everything a package tracker caller says, plus returns (order,
 * reason, refund method) and refund-policy questions. Numbers are words, as callers read them.
 */
import { PACKAGE_TRACKER_PHRASES } from '../package-tracker/phrases.js';

const DIGIT = '{zero|oh|one|two|three|four|five|six|seven|eight|nine}';
const ITEM = '{order|package|item|it|this|them}';

export const STORE_CONTROLLER_PHRASES: string[] = [
  ...PACKAGE_TRACKER_PHRASES,
  // asking for a return
  `{i want to|i would like to|i'd like to|can i|could i|i need to} return {my order|an order|an item|it|this|something}`,
  `{i want to|i would like to|i'd like to} return order ${DIGIT} ${DIGIT} ${DIGIT} ${DIGIT}`,
  `{i want|i would like|i'd like|can i get|can i have} a refund {for my order|for this|please|}`,
  `{i want to|i'd like to} {send it back|send this back|get my money back}`,
  `{how do i|how can i} {return|send back} {my order|an item|something}`,
  `{start|i want to start} a return {please|for my order|}`,
  // reasons
  `{it|the item|my order|the package} {arrived|came|was} {damaged|broken|crushed|cracked|late}`,
  `{it's|it is|it was} {damaged|broken|defective|faulty|the wrong item|the wrong size|too small|too big}`,
  `{it|the item} {doesn't|does not|won't} {work|fit|turn on}`,
  `{you sent me|i got|i received} the wrong {item|thing|size|color}`,
  `{i don't|i do not} {need|want|like} it {anymore|any more|}`,
  `{i changed my mind|i no longer need it|it came too late|it took too long}`,
  `{because|well} {it's damaged|it's broken|it doesn't fit|it was late|i don't need it}`,
  // refund method
  `{store credit|original payment|my original payment|my credit card|the card|back to my card} {please|}`,
  `{i'd like|i would like|i'll take|i want|give me} {store credit|a refund|my money back|the refund on my card|the original payment}`,
  `{refund|credit} {it|me} {to my card|as store credit|please}`,
  `{the first one|the second one|store credit is fine|the card is fine}`,
  // policy questions
  `{how long|how many days} {do refunds take|does a refund take|does it take to get my money back|until i get my refund}`,
  `{how long|how soon|how quickly} {will i get|do i get|can i get} my {refund|money back|store credit}`,
  `{when will|when do} i get my {refund|money back|store credit}`,
  `{can i|could i|do you} {get|give|offer} store credit {instead|instead of a refund|}`,
  `{what is|what's} your {refund|return|returns} policy`,
  `{how long do i have|how many days do i have} to {return|send back} {it|an item|my order}`,
  `{do i have to|do i need to|who} {pay|pays} for {return shipping|the return shipping|the return label}`,
  `{are returns free|is return shipping free|do you send a return label}`,
  `{can i return|can i still return} ${ITEM} {after thirty days|if i opened it|}`,
];
