#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace tiersync {

// One validated dashboard read, built from the URL before anything reaches the engine:
// `/api/v1/extension/students/{endpoint}?moodle_user_id=N[&force_refresh=true]`.
struct ReadRequest final {
    // Ids beyond 2^53 cannot survive a JSON number (clients in JavaScript or PHP floats).
    static constexpr qint64 kMaxMoodleUserId = qint64(1) << 53;
    static constexpr int kMaxEndpointNameLength = 64;

    QString endpoint;
    qint64 moodleUserId = 0;
    bool forceRefresh = false;

    // endpoint: the decoded path segment after `/students/`; query: the decoded query
    // items in order. InvalidArgument (→ 400) for a bad moodle_user_id or force_refresh;
    // NotFound (→ 404) for an endpoint name that cannot be one (the registry decides the
    // rest). Unknown query parameters are ignored; known ones must appear once.
    [[nodiscard]] static Result<ReadRequest> parse(const QString &endpoint,
                                                   const QList<QPair<QString, QString>> &query);
    // The query part of a request target (after '?'), percent- and '+'-decoded, every
    // item kept in order: repeated parameters must stay visible (httplib's own parser
    // folds identical name=value pairs into one).
    [[nodiscard]] static QList<QPair<QString, QString>> parseQuery(const QByteArray &rawQuery);
    // Strict: ASCII digits only, no sign, no leading zero, 1..kMaxMoodleUserId.
    [[nodiscard]] static Result<qint64> parseMoodleUserId(const QString &text);
    // true/false/1/0 only.
    [[nodiscard]] static Result<bool> parseFlag(const QString &name, const QString &text);
};

}  // namespace tiersync
