#include "console/keybrowserservice.h"

namespace tiersync {

KeyBrowserService::KeyBrowserService(QObject *parent) : QObject(parent) {}

KeyBrowserService::~KeyBrowserService() = default;

}  // namespace tiersync
