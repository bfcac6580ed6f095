import { MessageList } from './MessageList.js';
import { Composer } from './Composer.js';
import { OutboxProvider } from './OutboxProvider.js';

/** The session's conversation and the place to add to it. */
export function ChatContainer() {
  return (
    <section className="panel chat-panel" aria-labelledby="chat-title">
      <div className="panel-header">
        <h2 id="chat-title">Conversation</h2>
        <p className="panel-hint">Shared live by every tab of this browser</p>
      </div>
      <OutboxProvider>
        <MessageList />
        <Composer />
      </OutboxProvider>
    </section>
  );
}
