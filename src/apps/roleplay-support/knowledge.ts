/**
 * What the support agent knows: a few sentences per delivery exception and refund question,
 * spoken as they stand. Long on purpose (four sentences each), so the clause buffer, barge-in
 * in the middle of an answer and time to first audio over long replies get exercised.
 */

export const TOPICS = [
  'damaged',
  'delayed',
  'lost',
  'wrong_address',
  'customs',
  'refund_policy',
  'refund_timing',
  'store_credit',
] as const;
export type Topic = (typeof TOPICS)[number];

export const ANSWERS: Record<Topic, readonly string[]> = {
  damaged: [
    "I'm sorry your package arrived damaged.",
    'Please take a photo of the box and the item before you throw anything away.',
    'Then start a return, and we will send a replacement or a full refund, shipping included.',
    'You do not need to wait for the carrier to finish its own claim.',
  ],
  delayed: [
    "I'm sorry your package is taking longer than expected.",
    'Most delays come from bad weather, high parcel volume or a missed connection at a sorting hub.',
    'Delayed packages usually arrive within two or three days of the first estimate.',
    'If it has not moved for five days, we open an investigation with the carrier and keep you posted.',
  ],
  lost: [
    "I'm sorry, a missing package is stressful.",
    'First, check around your door, with your neighbors and in the mail room, since carriers sometimes leave parcels out of sight.',
    'If it is still missing after one day, we open a claim with the carrier, which takes up to five business days.',
    'When the claim closes, we send a replacement or a full refund, whichever you prefer.',
  ],
  wrong_address: [
    'If the address on your order is wrong, tell us as soon as you can.',
    'Before the package ships, we can change the address for free.',
    'Once it is in transit, we ask the carrier to redirect it, which usually adds one or two days.',
    'If it comes back to us instead, we ship it again to the right address at no cost.',
  ],
  customs: [
    'International orders pass through customs in the country they are going to.',
    'Customs checks usually take one to three days, and the tracking page shows the package as held while they do.',
    'Any import duties or taxes are charged by your country, and the carrier may ask you to pay them before delivery.',
    'If you refuse to pay them, the package comes back to us and we refund the item price.',
  ],
  refund_policy: [
    'You can return a delivered order within thirty days for a full refund.',
    'Returns are free, and we email you a prepaid label as soon as the return is started.',
    'Refunds to your original payment take five to seven business days after we receive the item.',
    'If you prefer, you can choose store credit instead, which is added the same day.',
  ],
  refund_timing: [
    'Refunds to your original payment take five to seven business days after we receive the item.',
    'Your bank may need another two or three days to show it on your statement.',
    'Store credit is faster, since it is added to your account the same day.',
    'We email you as soon as the refund is issued.',
  ],
  store_credit: [
    'Yes, you can choose store credit instead of a refund.',
    'It is added to your account the same day we receive your return.',
    'Store credit never expires and works on anything in the store.',
    'If you change your mind, you can still ask for a refund to your original payment within thirty days.',
  ],
};

export function answerFor(topic: Topic): string {
  return ANSWERS[topic].join(' ');
}
