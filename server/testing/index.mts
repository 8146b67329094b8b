/** Helpers for specs that talk to the reference server over the wire (server and e2e specs). */
export { channelUrl, fetchTicket, login, requestJson, type JsonResponse, type Session } from './http-client.mjs';
export { TestSocket, UpgradeRejected, type CloseInfo } from './socket-client.mjs';
export { startTestServer } from './test-server.mjs';
export { eventually } from './eventually.mjs';
export { connectInBand, connectWithTicket, type ConnectOptions } from './connect.mjs';
export { startCliServer, CLI_MAIN, type CliServer } from './cli-process.mjs';
export { journalLines, tempJournal } from './journal-file.mjs';
export { RawSocket, maskedFrame, upgradeRequest, type RawClose, type RawUpgradeOptions } from './raw-socket.mjs';
export { rssBytes, watchRss, MB } from './process-memory.mjs';
