/**
 * What people say to a mirror: everyday sentences, for the recognizer's domain language model.
 * Broad on purpose (greetings, weather, food, plans, feelings, questions, counting), since the
 * mirror has no domain; `{a|b}` holds alternatives and numbers are words.
 */

const DAY =
  '{today|tomorrow|tonight|this morning|this afternoon|this evening|on monday|on friday|this weekend}';
const PERSON = '{my friend|my brother|my sister|my mother|my father|my neighbor|the kids|everyone}';
const NUMBER = '{one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|a hundred}';

export const VOICE_MIRROR_PHRASES: string[] = [
  // greetings and small talk
  '{hello|hi|hey|good morning|good afternoon|good evening}',
  '{hello|hi} {there|everyone|my friend}',
  '{how are you|how are you doing|how is it going|nice to meet you|good to see you}',
  "{i'm|i am} {fine|good|great|tired|happy|busy|hungry|cold|ready} {thank you|thanks|today|}",
  '{thank you|thanks|thank you very much|thanks a lot|you are welcome|no problem}',
  '{goodbye|bye|see you later|see you tomorrow|talk to you soon|have a nice day|good night}',
  "{yes|no|okay|maybe|of course|sure|i think so|i don't think so|not really|sounds good}",
  // weather
  `{the weather is|it is|it's} {nice|cold|warm|hot|sunny|rainy|windy|cloudy|beautiful|terrible} ${DAY}`,
  `it {will|might} {rain|snow} ${DAY}`,
  "{don't forget|remember} to {take|bring} {an umbrella|a coat|a jacket|your keys|your phone}",
  // food and drink
  "{i would like|i'd like|can i have|can i get} {a cup of coffee|a cup of tea|a glass of water|some bread|a sandwich|a piece of cake}",
  "{what is|what's} for {breakfast|lunch|dinner}",
  `{let's|we could|we should} {have|get|cook|order} {pizza|pasta|soup|salad|chicken|fish|rice} for {lunch|dinner} ${DAY}`,
  'the {coffee|tea|soup|food|dinner} is {too hot|too cold|very good|delicious|ready}',
  // plans and places
  `{i am going|i'm going|we are going|we're going} to {the store|the park|the beach|work|school|the office|the station|the library} ${DAY}`,
  `{can you|could you|will you} {call|meet|help|visit} ${PERSON} ${DAY}`,
  `${PERSON} {is coming|will come|came} {over|home|to visit} ${DAY}`,
  "{the train|the bus|my flight|the meeting|the movie|the game} {starts|leaves|ends} at {one|two|three|four|five|six|seven|eight|nine|ten} {o'clock|thirty|fifteen}",
  "{let's|we should} {go for a walk|watch a movie|play a game|read a book|listen to some music|take a break}",
  '{i need to|i have to|i want to} {buy some milk|clean the kitchen|wash the car|walk the dog|finish my work|go to bed early|call my mother}',
  // questions
  '{what time is it|what day is it|where are you|where are my keys|who is there|what is your name|how old are you}',
  '{can you|could you} {say that again|speak louder|speak more slowly|repeat that|hear me}',
  '{do you|did you} {like|want|need|know} {it|that|this|music|coffee|the answer}',
  "{where is|where's} the {nearest|closest} {station|store|hospital|bank|restaurant|park}",
  '{is it|is this} {far|close|open|closed|expensive|free|ready|true}',
  // feelings and statements
  "{i love|i like|i don't like|i hate} {this song|this place|the rain|the summer|the winter|my job|mondays|cooking}",
  "{this is|that is|that's|it's} {great|wonderful|amazing|funny|strange|interesting|a good idea|not fair}",
  "{i'm|i am} {sorry|so sorry|very happy|really excited|a little tired} {about that|to hear that|}",
  '{the quick brown fox jumps over the lazy dog|she sells sea shells by the sea shore}',
  '{my name is|this is|i am} {john|mary|david|sarah|michael|anna|peter|linda}',
  '{testing|testing one two three|can you hear me now|this is a test|check one two}',
  // numbers and counting
  `{i have|we have|there are|i need} ${NUMBER} {apples|dollars|minutes|days|people|books|questions}`,
  '{one two three four five|six seven eight nine ten}',
  `{it costs|it takes|wait} ${NUMBER} {dollars|minutes|hours|seconds}`,
];
