#pragma once

#include "console/serviceerror.h"
#include "console/studentlookup.h"
#include "core/connectionprofile.h"

#include <QObject>
#include <QString>

namespace tiersync {

// One student as the dashboard sees it, for the console's Students page: the student's
// endpoints read through the read path exactly as `tiersync serve` answers them (from
// Redis, PostgreSQL or Zoho), and the student's Redis keys invalidated. Methods return
// at once; each answer arrives as one signal, on the thread that called. Pages call
// methods and connect to results; they never see a thread or a worker.
// EngineStudentReadService is the engine's implementation; page tests use a fake.
class StudentReadService : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StudentReadService)

public:
    // Which call an error belongs to.
    enum class Request { Lookup, Invalidate };
    Q_ENUM(Request)

    explicit StudentReadService(QObject *parent = nullptr);
    ~StudentReadService() override;

    virtual void setProfile(const tiersync::ConnectionProfile &profile) = 0;
    // Reads one endpoint of the student, or every registered endpoint when endpoint is
    // empty; forceRefresh skips Redis and PostgreSQL, as ?force_refresh=true does.
    // Returns the request's number (never 0): lookupFinished (an endpoint without an
    // answer is a read with its error, not a failure) or failed(Lookup, request, …)
    // (nothing was read: a bad id or endpoint, no profile, the engine could not start).
    virtual quint64 lookup(qint64 moodleUserId, const QString &endpoint, bool forceRefresh) = 0;
    // The student's endpoint keys in Redis; a dry run only counts them.
    // studentInvalidated or failed(Invalidate, request, …).
    virtual quint64 invalidate(qint64 moodleUserId, bool dryRun) = 0;
    // A lookup of this request stops before its next endpoint (the read under way
    // finishes: the engine's reads are not interruptible) and answers with what it read,
    // marked cancelled. A cancel of a request that already ended does nothing.
    virtual void cancel(quint64 request) = 0;

Q_SIGNALS:
    // lookup.requestId: the request's number.
    void lookupFinished(const tiersync::StudentLookup &lookup);
    void studentInvalidated(quint64 request, qint64 moodleUserId, bool dryRun, qint64 keys);
    void failed(tiersync::StudentReadService::Request call, quint64 request, const tiersync::ServiceError &error);
};

}  // namespace tiersync
