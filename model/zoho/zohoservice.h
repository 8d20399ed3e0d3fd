#pragma once

#include "core/zohosettings.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoclientoptions.h"

#include <QObject>

class QThread;

namespace tiersync {

class ZohoClient;

// Owns the thread the Zoho client lives on: starts it, moves the client there, and on
// destruction quits and joins it (the client is deleted on its own thread, failing
// whatever is still pending with ErrorKind::Cancelled).
class ZohoService final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ZohoService)

public:
    explicit ZohoService(ZohoSettings settings, ZohoClientOptions options = {},
                         QObject *parent = nullptr);
    ~ZohoService() override;

    // Connect to its signals (queued across threads); submit() is thread-safe.
    [[nodiscard]] ZohoClient *client() const { return m_client; }
    [[nodiscard]] ZohoApi api() const;

private:
    QThread *m_thread;
    ZohoClient *m_client;
};

}  // namespace tiersync
