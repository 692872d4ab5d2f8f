import type {
  AiSettings,
  AiTestResult,
  PutAiSettingsBody,
  Campaign,
  CampaignAction,
  CampaignAudienceInput,
  CampaignPreview,
  CampaignRecipient,
  Contact,
  ContactDetail,
  Group,
  PatchContactBody,
  CreateCampaignBody,
  PatchCampaignBody,
  RecipientStatus,
  ConnectInstanceBody,
  Conversation,
  ConversationStatus,
  EventsPage,
  Instance,
  LoginBody,
  Me,
  Message,
  PatchConversationBody,
  CreateProductBody,
  Product,
  ProductImportResult,
  UpdateProductBody,
  Role,
  SignupBody,
  UnreadCounts,
  MemberLinkResult,
  RecoverResult,
  AccountSettings,
  CreateQuickReplyBody,
  PatchAccountSettingsBody,
  PatchQuickReplyBody,
  QuickReply,
  SandboxPresenceBody,
  SandboxReactionBody,
  AccessTokenResult,
  SandboxGroupMessageBody,
} from '@atende/shared';
import { HttpClient } from './http';
import { clearAccessToken, onRenew, setAccessToken } from './token';
import type {
  AuthResult,
  InviteBody,
  InviteResult,
  Overview,
  SandboxMediaBody,
  SandboxMessageBody,
  SandboxState,
  TeamUser,
} from './types';

export { ApiError, HttpClient, toFieldIssues, type FieldIssue } from './http';
export type * from './types';

const enc = encodeURIComponent;

/** POST /api/conversations as the dashboard sends it (the phone as typed). */
export interface StartConversationInput {
  instanceId: string;
  phone: string;
  text?: string;
  clientId?: string;
}

/**
 * The typed Motor API (docs/api.md). One method per route; every method throws `ApiError`.
 *
 * @example
 * const api = createApi();
 * const page = await api.conversations.list({ status: 'open', limit: 50 });
 */
/** A file an agent sends: a picked, dropped or pasted file, or a voice recording. */
export interface OutgoingFile {
  blob: Blob;
  fileName: string;
  clientId: string;
  caption?: string;
  voiceNote?: boolean;
  seconds?: number | null;
}

export function createApi(http = new HttpClient()) {
  return {
    http,
    // In cross-site mode these answers carry the session's bearer token (token.ts keeps it).
    auth: {
      signup: (body: SignupBody) => http.post<AuthResult>('/api/auth/signup', body).then(keepToken),
      login: (body: LoginBody) => http.post<AuthResult>('/api/auth/login', body).then(keepToken),
      logout: () => http.post<void>('/api/auth/logout').finally(clearAccessToken),
      me: () => http.get<Me>('/api/me'),
      changePassword: (body: { currentPassword: string; newPassword: string }) =>
        http
          .post<AccessTokenResult | undefined>('/api/auth/password', body)
          .then((r) => void keepToken(r ?? {})),
      recover: (body: { email: string }) => http.post<RecoverResult>('/api/auth/recover', body),
      acceptInvite: (body: { token: string; password: string }) =>
        http.post<AuthResult>('/api/auth/invite/accept', body).then(keepToken),
      renewToken: () => http.post<AccessTokenResult>('/api/auth/token'),
    },
    conversations: {
      list: (
        q: {
          status?: ConversationStatus;
          q?: string;
          cursor?: string | null;
          limit?: number;
          assignee?: string;
          label?: string;
          instanceId?: string;
        },
        signal?: AbortSignal,
      ) => http.getPage<Conversation>('/api/conversations', { query: q, signal }),
      /** Labels in use on the account's conversations (the label filter). */
      labels: () => http.get<string[]>('/api/conversations/labels'),
      /** A new conversation with any number (201 new, 200 existing; 400 not on WhatsApp). */
      start: (body: StartConversationInput) => http.post<Conversation>('/api/conversations', body),
      get: (id: string) => http.get<Conversation>(`/api/conversations/${enc(id)}`),
      messages: (id: string, q: { cursor?: string | null; before?: string | null; limit?: number } = {}) =>
        http.getPage<Message>(`/api/conversations/${enc(id)}/messages`, { query: q }),
      unread: () => http.get<UnreadCounts>('/api/conversations/unread'),
      send: (id: string, body: { text: string; clientId: string; quotedMessageId?: string }) =>
        http.post<{ success: true; message: Message }>(`/api/conversations/${enc(id)}/messages`, body),
      /** A private note: only the team sees it, never sent to WhatsApp. */
      note: (id: string, text: string) => http.post<Message>(`/api/conversations/${enc(id)}/notes`, { text }),
      /** A file (multipart): the fields go before the file so the Motor reads them first. */
      sendFile: (id: string, file: OutgoingFile) => {
        const form = new FormData();
        form.set('clientId', file.clientId);
        if (file.caption) form.set('caption', file.caption);
        if (file.voiceNote) form.set('voiceNote', 'true');
        if (file.seconds != null) form.set('seconds', String(Math.round(file.seconds)));
        form.set('file', file.blob, file.fileName);
        return http.request<{ success: true; message: Message }>('POST', `/api/conversations/${enc(id)}/messages`, {
          raw: { body: form },
        });
      },
      read: (id: string) => http.post<void>(`/api/conversations/${enc(id)}/read`),
      patch: (id: string, body: PatchConversationBody) =>
        http.patch<Conversation>(`/api/conversations/${enc(id)}`, body),
    },
    instances: {
      list: () => http.get<Instance[]>('/api/instances'),
      connect: (body: ConnectInstanceBody) =>
        http.post<{ status: 'initializing'; instanceId: string; instanceName: string }>(
          '/api/instance/connect',
          body,
        ),
      status: (instanceName: string) =>
        http.get<{
          status: Instance['status'];
          qrCode: string | null;
          phoneNumber: string | null;
          pairingCode?: string | null;
        }>('/api/instance/status', { query: { instanceName } }),
      disconnect: (instanceName: string) =>
        http.delete<{ success: true }>('/api/instance/disconnect', { query: { instanceName } }),
      /** Removes the number for good (deleted at Evolution; its conversations stay). */
      remove: (instanceName: string) =>
        http.delete<{ success: true }>('/api/instance', { query: { instanceName } }),
    },
    users: {
      list: () => http.get<TeamUser[]>('/api/users'),
      invite: (body: InviteBody) => http.post<InviteResult>('/api/users', body),
      setRole: (id: string, role: Role) => http.patch<TeamUser>(`/api/users/${enc(id)}`, { role }),
      remove: (id: string) => http.delete<void>(`/api/users/${enc(id)}`),
      link: (id: string) => http.post<MemberLinkResult>(`/api/users/${enc(id)}/link`),
    },
    events: {
      after: (after: number, limit = 500) => http.get<EventsPage>('/api/events', { query: { after, limit } }),
    },
    overview: () => http.get<Overview>('/api/overview'),
    contacts: {
      list: (q: { q?: string; optedOut?: boolean; before?: string; limit?: number } = {}) =>
        http.get<Contact[]>('/api/contacts', { query: q }),
      get: (id: string) => http.get<ContactDetail>(`/api/contacts/${enc(id)}`),
      patch: (id: string, body: PatchContactBody) => http.patch<Contact>(`/api/contacts/${enc(id)}`, body),
    },
    groups: {
      list: (q: { instanceId?: string } = {}) => http.get<Group[]>('/api/groups', { query: q }),
    },
    campaigns: {
      list: () => http.get<Campaign[]>('/api/campaigns'),
      get: (id: string) => http.get<Campaign>(`/api/campaigns/${enc(id)}`),
      create: (body: Omit<CreateCampaignBody, 'ratePerMinute'> & { ratePerMinute?: number }) =>
        http.post<Campaign>('/api/campaigns', body),
      patch: (id: string, body: PatchCampaignBody) => http.patch<Campaign>(`/api/campaigns/${enc(id)}`, body),
      remove: (id: string) => http.delete<void>(`/api/campaigns/${enc(id)}`),
      move: (id: string, action: CampaignAction) =>
        http.post<Campaign>(`/api/campaigns/${enc(id)}/${action}`),
      preview: (body: { audience: CampaignAudienceInput; ratePerMinute?: number }, signal?: AbortSignal) =>
        http.post<CampaignPreview>('/api/campaigns/preview', body, { signal }),
      recipients: (id: string, q: { status?: RecipientStatus; after?: string; limit?: number } = {}) =>
        http.get<CampaignRecipient[]>(`/api/campaigns/${enc(id)}/recipients`, { query: q }),
      csvUrl: (id: string, status?: RecipientStatus) =>
        `/api/campaigns/${enc(id)}/recipients.csv${status ? `?status=${enc(status)}` : ''}`,
    },
    products: {
      list: (q: { q?: string; active?: boolean; before?: string; limit?: number }, signal?: AbortSignal) =>
        http.get<Product[]>('/api/products', { query: q, signal }),
      create: (body: CreateProductBody) => http.post<Product>('/api/products', body),
      update: (id: string, body: UpdateProductBody) => http.patch<Product>(`/api/products/${enc(id)}`, body),
      remove: (id: string) => http.delete<void>(`/api/products/${enc(id)}`),
      /** The file as is (the Motor reads UTF-8 or Windows-1252, `,` or `;`). */
      import: (file: Blob) =>
        http.post<ProductImportResult>('/api/products/import', undefined, {
          raw: { body: file, type: 'text/csv' },
        }),
    },
    ai: {
      get: () => http.get<AiSettings>('/api/settings/ai'),
      put: (body: PutAiSettingsBody) => http.put<AiSettings>('/api/settings/ai', body),
      /** The test box: matched products and the model's answer; nothing is sent to WhatsApp. */
      test: (text: string) => http.post<AiTestResult>('/api/settings/ai/test', { text }),
    },
    messages: {
      /** The business's reaction to a message ("" removes it); answers the message with its counts. */
      react: (id: string, emoji: string) =>
        http.post<{ success: true; message: Message }>(`/api/messages/${enc(id)}/reactions`, { emoji }),
    },
    quickReplies: {
      list: () => http.get<QuickReply[]>('/api/quick-replies'),
      create: (body: CreateQuickReplyBody) => http.post<QuickReply>('/api/quick-replies', body),
      update: (id: string, body: PatchQuickReplyBody) => http.patch<QuickReply>(`/api/quick-replies/${enc(id)}`, body),
      remove: (id: string) => http.delete<void>(`/api/quick-replies/${enc(id)}`),
    },
    accountSettings: {
      get: () => http.get<AccountSettings>('/api/account/settings'),
      patch: (body: PatchAccountSettingsBody) => http.patch<AccountSettings>('/api/account/settings', body),
    },
    sandbox: {
      state: () => http.get<SandboxState>('/api/sandbox'),
      /** The simulated customer reacts to a message of their chat. */
      reactAsCustomer: (body: SandboxReactionBody) => http.post<unknown>('/api/sandbox/reactions', body),
      /** The simulated customer types, records or stops. */
      presenceAsCustomer: (body: SandboxPresenceBody) => http.post<unknown>('/api/sandbox/presence', body),
      scan: (instanceName: string) => http.post<unknown>('/api/sandbox/scan', { instanceName }),
      sendAsCustomer: (body: SandboxMessageBody) => http.post<unknown>('/api/sandbox/messages', body),
      /** The simulated customer sends a sample photo, audio, voice note or PDF. */
      sendMediaAsCustomer: (body: SandboxMediaBody) => http.post<unknown>('/api/sandbox/media', body),
      /** A simulated member writes in the group with that subject (made when new). */
      sendAsGroupMember: (body: SandboxGroupMessageBody) => http.post<unknown>('/api/sandbox/group-messages', body),
    },
  };
}

export type Api = ReturnType<typeof createApi>;

/** The app's API client (same origin, session cookie). */
/** Keeps the bearer token an auth answer carries (cross-site mode), and answers the rest. */
function keepToken<T>(r: T): T {
  setAccessToken(r as { accessToken?: unknown; expiresIn?: unknown });
  return r;
}

export const api = createApi();
onRenew(() => api.auth.renewToken());
