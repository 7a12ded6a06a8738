import { Disposable } from '../common/disposable';
import type { Log } from '../common/log';
import { userMessage } from '../library/errors';
import type { Library } from '../library/library';
import { onDidChangeHistorySettings, readHistorySettings } from './settings';
import type { StorageService } from './storageService';

/**
 * The local library keeps as many versions as agentResources.history.* say: the limits live in its
 * database (the trigger prunes there, for every writer), and this writes the settings into it when
 * the local library connects and when they change. A team database keeps its own limits: one
 * member's settings must not decide how much history everyone keeps.
 */
export class HistoryPolicySync extends Disposable {
  constructor(
    private readonly storage: StorageService,
    private readonly library: Library,
    private readonly log: Log,
  ) {
    super();
    this.register(storage.onDidChangeState((state) => state.kind === 'ready' && this.apply()));
    this.register(onDidChangeHistorySettings(() => this.storage.state.kind === 'ready' && this.apply()));
  }

  private apply(): void {
    if (this.storage.state.mode !== 'local') return;
    const wanted = readHistorySettings();
    this.library.setHistoryPolicy(wanted).then(
      (policy) =>
        this.log.info(
          `History keeps ${policy.maxVersions} versions per resource${policy.maxAgeDays ? `, ${policy.maxAgeDays} days at most` : ''}`,
        ),
      (err: unknown) => this.log.error(`agentResources.history: ${userMessage(err)}`),
    );
  }
}
