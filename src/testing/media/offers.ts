/** A well-formed Opus offer: it passes the media plane's offer check (ICE and DTLS would not connect). */
export const WELL_FORMED_OFFER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=fingerprint:sha-256 00:11',
  'a=rtpmap:111 opus/48000/2',
  '',
].join('\r\n');
