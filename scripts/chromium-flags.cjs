// The flags every headless Debian Chromium we start gets (karma, the end-to-end tests, the
// benchmarks): root needs --no-sandbox; the rest stop Chromium from reaching for Google services,
// which this machine's closed network refuses, and from using QUIC on loopback.
module.exports = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
