#pragma once

#include <QString>
#include <QtGlobal>

namespace tiersync {

// One dashboard endpoint as resources/endpoints.json describes it: where its data
// lives in Zoho CRM, how long each tier may keep it, and how the records become the
// response's "data".
struct EndpointDefinition final {
    enum class Shape {
        Object,  // the first matching record, or null when there is none (profile)
        Array,   // every matching record, [] when there is none
    };

    static constexpr char kMoodleUserIdPlaceholder[] = "{moodle_user_id}";

    QString name;              // [a-z0-9_-]+, part of the URL and of the Redis key
    QString description;
    QString zohoModule;        // CRM module: Students, Grades, Payments, Classes, Requests
    QString criteriaTemplate;  // CRM search criteria with {moodle_user_id}
    Shape shape = Shape::Array;
    qint64 redisTtlSeconds = 300;
    qint64 pgFreshnessSeconds = 300;
    // The feed that keeps this endpoint's snapshots (the CRM entity type whose rows are
    // regrouped into them); empty: not fed. While the feed's last successful run is at
    // most feedMaxLagSeconds old, the snapshot is fresh and Zoho is never asked.
    QString feedEntity;
    qint64 feedMaxLagSeconds = 0;  // > 0 when feedEntity is set
    // The max lag while the feed's module has a healthy notification channel
    // (ChannelHealthFacts): its notifications keep the snapshots current and the feed runs
    // only as a safety net, so its last run may be this old. At least feedMaxLagSeconds
    // (which it is when endpoints.json does not say).
    qint64 feedChannelMaxLagSeconds = 0;

    [[nodiscard]] bool isFed() const { return !feedEntity.isEmpty(); }

    // The search criteria for one student: the id is formatted from the integer, never
    // pasted from request text.
    [[nodiscard]] QString criteriaFor(qint64 moodleUserId) const;
};

[[nodiscard]] QString endpointShapeName(EndpointDefinition::Shape shape);

}  // namespace tiersync
