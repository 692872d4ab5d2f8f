import type {
  SandboxGroupMessageBody,
  SandboxMediaBody,
  SandboxPresenceBody,
  SandboxReactionBody,
} from '@atende/shared';
import { AppError } from '../errors.js';
import type { WhatsAppSandbox } from '../ports/whatsapp.port.js';
import type { InstancesService } from './instances.service.js';

interface Caller {
  accountId: string;
}

/**
 * The dashboard's sandbox panel: the "phone side" of the simulated WhatsApp (scan the QR, write
 * as a customer or a group member), for the caller's own instances only. Enabled only when the Motor runs the
 * built-in Evolution simulator; otherwise every action is `not_found`.
 *
 * @example
 *   const sut = new SandboxService({ instances, sandbox: wa.sandbox });
 *   await sut.scan(caller, 'loja-1'); // → { state: 'open', wuid }
 */
export class SandboxService {
  constructor(
    private readonly deps: { instances: Pick<InstancesService, 'get'>; sandbox: WhatsAppSandbox | null },
  ) {}

  get enabled(): boolean {
    return this.deps.sandbox !== null;
  }

  async scan(caller: Caller, instanceName: string) {
    const sandbox = this.sandbox();
    const instance = await this.deps.instances.get(caller, instanceName);
    return sandbox.scan(instance.name);
  }

  async customerMessage(
    caller: Caller,
    input: { instanceName: string; phone: string; name: string; text: string; quotedWaMessageId?: string },
  ) {
    const sandbox = this.sandbox();
    const instance = await this.deps.instances.get(caller, input.instanceName);
    return sandbox.customerMessage(instance.name, {
      phone: input.phone,
      name: input.name,
      text: input.text,
      ...(input.quotedWaMessageId ? { quotedWaMessageId: input.quotedWaMessageId } : {}),
    });
  }

  async customerReaction(caller: Caller, input: SandboxReactionBody) {
    const sandbox = this.sandbox();
    const instance = await this.deps.instances.get(caller, input.instanceName);
    const { instanceName: _, ...reaction } = input;
    return sandbox.customerReaction(instance.name, reaction);
  }

  async customerPresence(caller: Caller, input: SandboxPresenceBody) {
    const sandbox = this.sandbox();
    const instance = await this.deps.instances.get(caller, input.instanceName);
    await sandbox.customerPresence(instance.name, { phone: input.phone, presence: input.presence });
  }

  async groupMessage(caller: Caller, input: SandboxGroupMessageBody) {
    const sandbox = this.sandbox();
    const instance = await this.deps.instances.get(caller, input.instanceName);
    const { instanceName: _, ...message } = input;
    return sandbox.groupMessage(instance.name, message);
  }

  async customerMedia(caller: Caller, input: SandboxMediaBody) {
    const sandbox = this.sandbox();
    const instance = await this.deps.instances.get(caller, input.instanceName);
    const { instanceName: _, ...file } = input;
    return sandbox.customerMedia(instance.name, file);
  }

  private sandbox(): WhatsAppSandbox {
    if (!this.deps.sandbox)
      throw new AppError(
        'not_found',
        'the sandbox exists only with the simulated WhatsApp (EVOLUTION_API_URL unset)',
      );
    return this.deps.sandbox;
  }
}
