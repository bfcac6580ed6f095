import type { Database } from '../../db/database.js';
import { GroupCommit } from '../audit/group-commit.js';

interface Touch {
  id: string;
  lastSeenAt: Date;
  expiresAt: Date;
}

/**
 * Writes `last_seen_at` (and the idle expiry it moves) for many sessions in one transaction: the
 * touches of concurrent requests share a commit, as audit rows do, instead of one transaction each.
 */
export class SessionToucher {
  private readonly writer: GroupCommit<Touch>;

  constructor(db: Database) {
    this.writer = new GroupCommit<Touch>({
      write: (touches) =>
        db.transaction(async (transaction) => {
          for (const { id, lastSeenAt, expiresAt } of touches) {
            await db.models.UserSession.update({ lastSeenAt, expiresAt }, { where: { id, status: 'active' }, transaction });
          }
        }),
      maxBatch: 256,
      windowMs: 0,
    });
  }

  /** Resolves once the touch has committed. */
  touch(id: string, lastSeenAt: Date, expiresAt: Date): Promise<void> {
    return this.writer.add({ id, lastSeenAt, expiresAt });
  }
}
