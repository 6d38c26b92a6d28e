/** The Packet Composer: `registerComposer(context, registry, log)` from `activate`, then `.open(targetId?)`. */
export { registerComposer, COMPOSER_VIEW_TYPE, type ComposerController } from './panel';
