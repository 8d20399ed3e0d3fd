#pragma once

#include "core/result.h"
#include "simentity.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tiersync::sim {

class SimDataSet;

// The drift fault (POST /_sim/faults {"drift": {…}}): while a listing is paged, records
// really are deleted and inserted between its page requests, the way Zoho's data moves
// under a long listing. After each answered page that says more follow, `deletes` records
// ahead of the cursor (on pages already answered) are deleted and `inserts` records are
// created — Books: named right after a record ahead of the cursor, so the name-sorted list
// puts them ahead of it; CRM: with a new, larger id, so the id-sorted list puts them at its
// end. A deletion ahead moves every later record up (the next page skips one); an insertion
// ahead moves them down (the next page repeats one). Only the default listing drifts (no
// If-Modified-Since, criteria or sort_column), for the first `pages` answers of `path`.
struct SimDriftConfig final {
    QString path;        // the list path that drifts, e.g. /books/v3/items; empty: every list
    int inserts = 0;     // records inserted after each drifting page
    int deletes = 0;     // records deleted after each drifting page
    int pages = 0;       // page answers that drift (0: off)
    quint64 seed = 1;    // which records: a function of (seed, entity, drifting page)

    [[nodiscard]] bool active() const { return pages > 0 && (inserts > 0 || deletes > 0); }
    [[nodiscard]] QJsonObject toJson() const;
    // {} or null: off. Rejects unknown keys and out-of-range values.
    [[nodiscard]] static Result<SimDriftConfig> fromJson(const QJsonValue &value);
};

// What the drift did, and how many drifting pages it has left. Thread-safe.
class SimDrift final {
public:
    struct Step final {
        int inserts = 0;
        int deletes = 0;
        quint64 seed = 1;
        int index = 0;  // 0 for the first drifting page
    };
    struct Changes final {
        std::vector<std::string> inserted;
        std::vector<std::string> deleted;
    };

    // A new configuration starts its page budget afresh.
    void configure(const SimDriftConfig &config);
    // The step for the page just answered at `path`, spending one page of the budget; none
    // when the drift is off, spent or meant for another path.
    [[nodiscard]] std::optional<Step> take(const std::string &path);
    void record(SimEntity entity, const Changes &changes);
    // {"pages","inserted","deleted","inserted_ids":{entity:[…]},"deleted_ids":{entity:[…]}}
    [[nodiscard]] QJsonObject statsJson() const;
    void resetStats();

    // Applies one step to the data set (the caller holds it exclusively): `cursorEnd` is
    // the position just past the page answered, in the listing's default order.
    [[nodiscard]] static Changes apply(SimDataSet &data, SimEntity entity, const Step &step,
                                       long long cursorEnd, qint64 nowS);

private:
    mutable std::mutex m_mutex;
    SimDriftConfig m_config;
    int m_used = 0;
    int m_pages = 0;
    QJsonObject m_insertedIds;
    QJsonObject m_deletedIds;
    qint64 m_inserted = 0;
    qint64 m_deleted = 0;
};

}  // namespace tiersync::sim
