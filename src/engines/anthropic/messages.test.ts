import { describe, expect, it } from 'vitest';
import { CALL_OPENED, toAnthropicConversation, toAnthropicTools } from './messages.js';

const call = { id: 'toolu_1', name: 'get_order_status', arguments: '{"order_number":"4219"}' };

describe('Parley messages as an Anthropic Messages conversation', () => {
  it('puts every system message in the system prompt and opens with a user turn', () => {
    const { system, messages } = toAnthropicConversation([
      { role: 'system', content: 'You are a phone agent.' },
      { role: 'assistant', content: 'Hi, how can I help?' },
      { role: 'system', content: 'Reminder of your role.' },
      { role: 'user', content: 'where is my order' },
    ]);
    expect(system).toBe('You are a phone agent.\n\nReminder of your role.');
    expect(messages).toEqual([
      { role: 'user', content: CALL_OPENED },
      { role: 'assistant', content: 'Hi, how can I help?' },
      { role: 'user', content: 'where is my order' },
    ]);
  });

  it('sends a tool round as tool_use then tool_result blocks, results first in their user turn', () => {
    const { system, messages } = toAnthropicConversation([
      { role: 'user', content: 'where is four two one nine' },
      { role: 'assistant', content: 'Let me check.', toolCalls: [call] },
      { role: 'tool', content: '{"status":"ok"}', toolCallId: 'toolu_1', name: 'get_order_status' },
      { role: 'user', content: 'and hurry' },
    ]);
    expect(system).toBeUndefined();
    expect(messages).toEqual([
      { role: 'user', content: 'where is four two one nine' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_order_status', input: { order_number: '4219' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"status":"ok"}' },
          { type: 'text', text: 'and hurry' },
        ],
      },
    ]);
  });

  it('merges consecutive same-role messages and drops empty text', () => {
    const { messages } = toAnthropicConversation([
      { role: 'user', content: 'hello' },
      { role: 'user', content: '  ' },
      { role: 'user', content: 'where is my order' },
      { role: 'assistant', content: '' },
    ]);
    expect(messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hello' },
          { type: 'text', text: 'where is my order' },
        ],
      },
    ]);
  });

  it('keeps the request valid when history lost half of a tool round', () => {
    const { messages } = toAnthropicConversation([
      // The call's result was cut off: the unanswered tool_use goes.
      { role: 'user', content: 'cancel it' },
      { role: 'assistant', content: 'One moment.', toolCalls: [{ ...call, id: 'toolu_lost' }] },
      { role: 'user', content: 'hello?' },
      // A result whose call was cut off is kept as text.
      { role: 'tool', content: '{"found":true}', toolCallId: 'toolu_gone', name: 'get_order_status' },
    ]);
    expect(messages).toEqual([
      { role: 'user', content: 'cancel it' },
      { role: 'assistant', content: 'One moment.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Tool result: {"found":true}' },
          { type: 'text', text: 'hello?' },
        ],
      },
    ]);
  });

  it('offers tools with their JSON schema as input_schema', () => {
    expect(
      toAnthropicTools([
        {
          name: 'get_order_status',
          description: 'Looks up an order',
          parameters: { type: 'object', properties: { order_number: { type: 'string' } } },
        },
      ]),
    ).toEqual([
      {
        name: 'get_order_status',
        description: 'Looks up an order',
        input_schema: { type: 'object', properties: { order_number: { type: 'string' } } },
      },
    ]);
  });
});
