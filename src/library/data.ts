// What Library calls, in one module it loads on first use (see library.ts): the data layer and the
// helpers that need it.
export {
  createResource,
  createShare,
  deleteResource,
  forkName,
  forkResource,
  getPublicResources,
  getResourceById,
  getShareById,
  getUserResources,
  listShares,
  recordExecution,
  redeemShare,
  revokeShare,
  setPinned,
  updateResource,
} from '../db/queries';
export { getResourceTags, getUserTags, setResourceTags } from '../db/tags';
export { getHistory, getHistoryPolicy, getVersion, setHistoryPolicy } from '../db/versions';
export { exportLibrary, importEntries, importLibrary, ownResources, ownResourcesById } from '../db/transfer';
export { entriesOfFiles } from './importFiles';
export { planExport } from './agentExport';
export { linkExportedFiles } from './reimport';
export { restoreVersion } from './versions';
