#include "webhook/webhooksettings.h"

namespace tiersync {

WebhookSettings WebhookSettings::fromEnvironment(const QProcessEnvironment &environment)
{
    WebhookSettings settings;
    settings.crmToken = Secret(environment.value(QString::fromLatin1(kCrmTokenVariable)));
    settings.booksSecret = Secret(environment.value(QString::fromLatin1(kBooksSecretVariable)));
    return settings;
}

}  // namespace tiersync
