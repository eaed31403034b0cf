/**
 * What callers say to delivery support: the exceptions (damaged, late, lost, wrong address,
 * customs), refund questions, follow-ups and order numbers, as words for the recognizer.
 */
const DIGIT = '{zero|oh|one|two|three|four|five|six|seven|eight|nine}';
const TENS = '{twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety}';
const UNIT = '{one|two|three|four|five|six|seven|eight|nine}';
const TEEN = '{ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen}';
const PARCEL = '{package|order|parcel|delivery|box|item}';

export const ROLEPLAY_SUPPORT_PHRASES: string[] = [
  // Order numbers as the package tracker reads them: digit by digit, in pairs, and in short
  // runs, so the model does not insist on one length (few templates: each is ~50 sentences).
  `${DIGIT} ${DIGIT} ${DIGIT} ${DIGIT}`,
  `${DIGIT} ${DIGIT} ${DIGIT}`,
  `${TENS} ${UNIT} ${TEEN}`,
  `{it's|it is|the number is|my order number is|order number|order} ${DIGIT} ${DIGIT}`,
  `{where is|what happened to|can you check} {my order|order|my order number} ${DIGIT}`,
  // damaged
  `my ${PARCEL} {arrived|came|was} {damaged|broken|crushed|wet|torn open}`,
  `the {box|item|screen|glass} {is|was} {broken|cracked|smashed|dented|damaged}`,
  `{what should i do|what do i do|what can i do} {if|when} my ${PARCEL} {is|arrives|arrived} {damaged|broken}`,
  // delayed
  `{why is|when will} my ${PARCEL} {so late|delayed|taking so long|arrive|get here}`,
  `my ${PARCEL} {is late|is delayed|hasn't arrived yet|is still not here|is stuck}`,
  `{i'm still waiting for|i have been waiting for} my ${PARCEL}`,
  // lost
  `my ${PARCEL} {is lost|is missing|never arrived|never came|was stolen}`,
  `{it says|tracking says} {it was delivered|delivered} but {i can't find it|it's not here|i never got it}`,
  `{what happens|what do i do} if my ${PARCEL} {is lost|goes missing|never arrives}`,
  // wrong address
  `{i put|i gave|i used} the wrong address`,
  `{can you|could you|can i} change the {delivery address|address} {on my order|}`,
  `{i moved|the address is wrong|there's a typo in my address|it went to my old address}`,
  // customs
  `{why is|is} my ${PARCEL} {stuck|held} {in|at} customs`,
  `{do i have to|do i need to|who} {pay|pays} {customs fees|import duties|taxes|duties}`,
  `{what about|how long does|how long do} customs {fees|take|}`,
  `{what about|and what about|how about} {customs fees|customs|taxes|duties|refunds|store credit}`,
  // refunds
  `{what is|what's} your {refund|return|returns} policy`,
  `{how long do refunds take|how long does a refund take|when will i get my money back|when do i get my refund}`,
  `{can i|could i} {get|have} {a refund|store credit|my money back} {instead|}`,
  `{how do i|can i} return {it|my order|an item}`,
  // answers, greetings and closings
  `{yes|yeah|yes please|sure|okay|ok|right}`,
  `{no|nope|no thanks|no thank you|that's all|that's it}`,
  // Backchannels while the agent talks at length: common here, and each must come out as itself
  // (not as a word of the domain) for the agent to keep talking.
  `{mhm|uh huh|okay|right|i see|got it}`,
  `{mhm|mm hmm|uh huh|hmm}`,
  `mhm`,
  `{mhm|uh huh|okay} {mhm|okay|right|i see}`,
  `{hi|hello|hey|good morning|good afternoon}`,
  `{hi|hello} {i have a problem with my delivery|i need help with my package|there}`,
  `{thanks|thank you|thank you very much|thanks a lot}`,
  `{thank you|thanks} {so much|for your help|for explaining|that helps|}`,
  `{okay|great|perfect} thank you`,
  `{bye|goodbye|thanks bye|thank you goodbye}`,
  `{sorry what|can you repeat that|say that again|are you there}`,
  `{can i|i want to} {talk|speak} to {a person|a human|someone|an agent}`,
  `{wait|hold on|sorry} {what about|how about|can you|i have a question}`,
];
