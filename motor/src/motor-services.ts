import type { AccountSettingsService } from './services/account-settings.service.js';
import type { AiResponder } from './services/ai-responder.service.js';
import type { AiSettingsService } from './services/ai-settings.service.js';
import type { AuthService } from './services/auth.service.js';
import type { AvatarsService } from './services/avatars.service.js';
import type { CampaignRunner } from './services/campaign-runner.service.js';
import type { CampaignsService } from './services/campaigns.service.js';
import type { ContactsService } from './services/contacts.service.js';
import type { ConversationStartService } from './services/conversation-start.service.js';
import type { ConversationsService } from './services/conversations.service.js';
import type { EventsService } from './services/events.service.js';
import type { EvolutionHealthService } from './services/evolution-health.service.js';
import type { GroupsService } from './services/groups.service.js';
import type { HealthService } from './services/health.service.js';
import type { InstancesService } from './services/instances.service.js';
import type { MediaService } from './services/media.service.js';
import type { MetricsService } from './services/metrics.service.js';
import type { OutboxService } from './services/outbox.service.js';
import type { ProductsService } from './services/products.service.js';
import type { QuickRepliesService } from './services/quick-replies.service.js';
import type { ReconcileService } from './services/reconcile.service.js';
import type { SandboxService } from './services/sandbox.service.js';
import type { SendMessageService } from './services/send-message.service.js';
import type { ThreadToolsService } from './services/thread-tools.service.js';
import type { TranscriptionService } from './services/transcription.service.js';
import type { UsersService } from './services/users.service.js';
import type { WebhookIntakeService } from './services/webhook-intake.service.js';

/**
 * Every service, built once by the composition root (composition-root.ts `buildServices`). A new
 * service is one field here and one line there. Its own module so the HTTP app (app.ts) can name
 * what it routes to without importing the composition root that builds it.
 */
export interface MotorServices {
  health: HealthService;
  auth: AuthService;
  users: UsersService;
  events: EventsService;
  conversations: ConversationsService;
  sender: SendMessageService;
  /** The outbound sender loop (docs/outbound.md); started by `start()`. */
  outbox: OutboxService;
  instances: InstancesService;
  sandboxPanel: SandboxService;
  webhookIntake: WebhookIntakeService;
  products: ProductsService;
  /** AI settings, test box and health (docs/ai.md). */
  ai: AiSettingsService;
  /** The AI reply loop; null without an llm. Started by `start()`. */
  responder: AiResponder | null;
  campaigns: CampaignsService;
  contacts: ContactsService;
  /** New conversations with any number (checked at WhatsApp first). */
  conversationStart: ConversationStartService;
  /** WhatsApp groups: list, sync from the gateway when a number connects. */
  groups: GroupsService;
  /** The campaign feeder and clock (docs/campaigns.md); started by `start()`. */
  campaignRunner: CampaignRunner;
  /** Evolution reachable, key accepted, 2.3.x: start-up, /readyz, the overview (docs/evolution.md). */
  evolutionHealth: EvolutionHealthService;
  /** Reads messages Evolution dropped back through findMessages (start, reconnect, database back). */
  reconcile: ReconcileService;
  /** Media files: background fetch from Evolution, storage, serving (docs/media.md). */
  media: MediaService;
  /** Voice notes to text; null without an llm. */
  transcriber: TranscriptionService | null;
  /** The GET /metrics scrape behind METRICS_TOKEN. */
  metricsScrape: MetricsService;
  /** Private notes and the business's reactions (docs/team-tools.md). */
  threadTools: ThreadToolsService;
  /** `/atalho` texts of the account. */
  quickReplies: QuickRepliesService;
  /** The account's inbox settings; read receipts to the customer. */
  accountSettings: AccountSettingsService;
  /** Contacts' WhatsApp pictures, fetched in the background. */
  avatars: AvatarsService;
}
