import { z } from 'zod';

// Evolution 2.3.x REST answers (docs/evolution.md "REST"), as loose as the Motor can afford: only the
// fields it reads are checked, everything else passes through untouched.

const str = z.string().nullish();

export const rootSchema = z.looseObject({ version: z.string(), simulated: z.boolean().optional() });

export const qrSchema = z.looseObject({
  pairingCode: str,
  code: str,
  base64: str,
  count: z.number().optional(),
});

export const createInstanceSchema = z.looseObject({
  instance: z.looseObject({ instanceName: z.string(), instanceId: str, status: str }),
  hash: z.union([z.string(), z.looseObject({ apikey: z.string() })]).nullish(),
  qrcode: qrSchema.nullish(),
});

export const connectOpenSchema = z.looseObject({
  instance: z.looseObject({ instanceName: z.string(), state: z.string() }),
});

export const connectSchema = z.union([connectOpenSchema, qrSchema]);

export const connectionStateSchema = z.looseObject({
  instance: z.looseObject({ instanceName: z.string().optional(), state: z.string() }),
});

export const fetchInstancesSchema = z.array(
  z.looseObject({
    name: z.string(),
    connectionStatus: z.string(),
    ownerJid: str,
    profileName: str,
    token: str,
  }),
);

export const anySchema = z.unknown();

export const webhookRowSchema = z
  .looseObject({
    url: z.string(),
    enabled: z.boolean(),
    headers: z.record(z.string(), z.unknown()).nullish(),
    events: z.array(z.string()).nullish(),
    webhookByEvents: z.boolean().nullish(),
  })
  .nullable();

export const sentMessageSchema = z.looseObject({
  key: z.looseObject({ id: z.string(), remoteJid: z.string() }),
  status: str,
  messageTimestamp: z.union([z.number(), z.string()]).nullish(),
});

export const findMessagesSchema = z.looseObject({
  messages: z.looseObject({ total: z.number(), pages: z.number().optional(), records: z.array(z.unknown()) }),
});

const caption = z.looseObject({ caption: z.string().nullish() }).nullish();
/** One findMessages record, the fields the outbox lookup compares. */
export const sentRecordSchema = z.looseObject({
  key: z.looseObject({ id: z.string(), fromMe: z.boolean().nullish(), remoteJid: z.string().nullish() }),
  messageType: z.string().nullish(),
  messageTimestamp: z.union([z.number(), z.string()]).nullish(),
  message: z
    .looseObject({
      conversation: z.string().nullish(),
      extendedTextMessage: z.looseObject({ text: z.string().nullish() }).nullish(),
      imageMessage: caption,
      videoMessage: caption,
      documentMessage: caption,
    })
    .nullish(),
});

export const groupsSchema = z.array(z.unknown());

/** `chat/whatsappNumbers`: `[{jid, exists, number, name?, lid?}]`. */
export const whatsappNumbersSchema = z.array(
  z.looseObject({ jid: z.string(), exists: z.boolean(), number: z.string(), name: z.string().nullish() }),
);

/** `POST /chat/getBase64FromMediaMessage` (the file as base64). */
export const mediaBase64Schema = z.looseObject({ base64: z.string().min(1), mimetype: str, fileName: str });

/** `POST /chat/fetchProfilePictureUrl` → `{wuid, profilePictureUrl}` (null when hidden or none). */
export const profilePictureSchema = z.looseObject({
  wuid: z.string().nullish(),
  profilePictureUrl: z.string().max(4000).nullish(),
});
