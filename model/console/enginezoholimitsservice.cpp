#include "console/enginezoholimitsservice.h"

#include "console/consoleuser.h"
#include "store/pgconnection.h"

namespace tiersync {

EngineZohoLimitsService::EngineZohoLimitsService(std::shared_ptr<EngineServicesPool> pool,
                                                 std::shared_ptr<ServiceThread> loads, QObject *parent)
    : ZohoLimitsService(parent),
      m_loads(loads ? std::move(loads) : std::make_shared<ServiceThread>(QStringLiteral("console-limits")))
{
    m_profile.setPool(std::move(pool));
}

EngineZohoLimitsService::~EngineZohoLimitsService()
{
    stop();
}

void EngineZohoLimitsService::stop()
{
    m_loads.close();
}

void EngineZohoLimitsService::answer(std::function<void()> emitter)
{
    // Dropped by Qt if the service is gone by then.
    QMetaObject::invokeMethod(this, std::move(emitter), Qt::QueuedConnection);
}

void EngineZohoLimitsService::answerFailure(Request request, ZohoApiFamily family, const Error &error)
{
    // Every server this service talks to is PostgreSQL. A refusal of the values (the
    // repository's validation, or a constraint of the table) is the input's fault, no
    // server's; so is having no profile yet.
    const bool refused = error.kind == ErrorKind::InvalidArgument || !m_profile.isSet();
    ServiceError failure{refused ? std::nullopt : std::optional(ConnectionCheck::Service::Postgres), error};
    answer([this, request, family, failure] { Q_EMIT failed(request, family, failure); });
}

void EngineZohoLimitsService::setProfile(const ConnectionProfile &profile)
{
    m_loads.post([this, profile] { m_profile.set(profile); });
}

Result<PgConnection *> EngineZohoLimitsService::openDatabase()
{
    if (!m_profile.isSet())
        return makeError(ErrorKind::Unavailable, tr("No connection profile is active yet."));
    PgConnection &connection = PgConnection::forCurrentThread(m_profile.profile().pg);
    if (auto migrated = m_profile.ensureMigrated(connection); !migrated)
        return migrated.error();
    return &connection;
}

void EngineZohoLimitsService::load()
{
    m_loads.post([this] {
        auto connection = openDatabase();
        if (!connection)
            return answerFailure(Request::Load, ZohoApiFamily::Books, connection.error());
        auto rows = ZohoLimitsRepository(**connection).rows();
        if (!rows)
            return answerFailure(Request::Load, ZohoApiFamily::Books, rows.error());
        answer([this, loaded = *rows] { Q_EMIT limitsLoaded(loaded); });
    });
}

void EngineZohoLimitsService::save(const ZohoLimitsRepository::Row &row)
{
    m_loads.post([this, row] {
        auto connection = openDatabase();
        if (!connection)
            return answerFailure(Request::Save, row.family, connection.error());
        if (Status stored = ZohoLimitsRepository(**connection).save(row, consoleUserName()); !stored)
            return answerFailure(Request::Save, row.family, stored.error());
        answer([this, family = row.family] { Q_EMIT saved(family); });
    });
}

}  // namespace tiersync
