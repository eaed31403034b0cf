import { describe, expect, it } from 'vitest';
import { understand } from './intents.js';

describe('caller intents', () => {
  it.each([
    ['Where is my order number four two one nine?', 'track'],
    ['when will my package arrive', 'track'],
    ['I want to cancel my order', 'cancel'],
    ["I don't want it anymore", 'cancel'],
    ['can you send me the tracking link', 'tracking_link'],
    ['can I talk to a person', 'human'],
    ['Hi.', 'greeting'],
    ['hello there', 'greeting'],
    ['thank you goodbye', 'goodbye'],
    ['thanks', 'thanks'],
    ['yes please', 'yes'],
    ['uh yeah', 'yes'],
    ['no thanks', 'no'],
    ["No, don't cancel it.", 'no'],
    ['no do not cancel my order', 'no'],
    ['four two one nine', 'number_only'],
    ['what is the weather like in Paris', 'unknown'],
    ['tell me a joke', 'unknown'],
  ])('"%s" → %s', (text, intent) => {
    expect(understand(text).intent).toBe(intent);
  });

  it('keeps the order number with the intent', () => {
    expect(understand('cancel order forty two nineteen')).toEqual({ intent: 'cancel', orderNumber: '4219' });
  });
});
