/** What the Motor subscribes to at Evolution for every instance (docs/evolution.md "Webhooks"). */
export const SUBSCRIBED_EVENTS = [
  'QRCODE_UPDATED',
  'CONNECTION_UPDATE',
  'MESSAGES_UPSERT',
  'MESSAGES_UPDATE',
  'MESSAGES_DELETE',
  'MESSAGES_EDITED',
  'SEND_MESSAGE',
  'CONTACTS_UPSERT',
  'CONTACTS_UPDATE',
  'GROUPS_UPSERT',
  'GROUP_PARTICIPANTS_UPDATE',
  'LOGOUT_INSTANCE',
  'REMOVE_INSTANCE',
];
