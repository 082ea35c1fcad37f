import { useI18n } from '../../i18n/i18n.tsx';
import { labelKeyOf } from './type-labels.ts';

/** An operation type read from the server in the page's language; an unknown type as it came. */
export function useTypeText(): (type: string) => string {
  const { t } = useI18n();
  return (type) => {
    const key = labelKeyOf(type);
    return key ? t(key) : type;
  };
}
