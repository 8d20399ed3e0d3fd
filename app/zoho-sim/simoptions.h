#pragma once

#include "core/result.h"
#include "simlimitconfig.h"

#include <QString>
#include <QStringList>
#include <QtGlobal>

namespace tiersync::sim {

// zoho-sim's command line. Defaults are the original deployment's sizes and the
// credentials `tiersync sandbox env` prints.
struct SimOptions final {
    QString host = QStringLiteral("127.0.0.1");
    int port = 0;
    quint64 seed = 1;
    int products = 1312;
    int customers = 2503;
    int students = 500;
    int latencyMinMs = 0;
    int latencyMaxMs = 0;
    QString clientId = QStringLiteral("1000.TIERSYNCSANDBOX");
    QString clientSecret = QStringLiteral("sandbox-client-secret");
    QString refreshToken = QStringLiteral("1000.sandbox-refresh-token");
    QString orgId = QStringLiteral("60000000001");
    int tokenTtlS = 3600;
    // --limits on|off (on by default), --books-plan, --crm-edition, --crm-users.
    SimLimitConfig limits;
    QString readyFile;
    bool help = false;

    // `arguments` without the program name. Errors name the offending flag.
    [[nodiscard]] static Result<SimOptions> parse(const QStringList &arguments);
    [[nodiscard]] static QString usage();
};

}  // namespace tiersync::sim
