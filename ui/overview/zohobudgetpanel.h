#pragma once

#include <QFrame>

#include <array>

class QLabel;
class QProgressBar;
class QTableWidget;

namespace tiersync {
struct OverviewSnapshot;
}  // namespace tiersync

namespace tiersync::ui {

// The organisation's shared Zoho budget on the Overview, exactly as Redis holds it: per
// family (Books, Inventory, CRM) the calls of this window against its limit, the calls
// in flight against the concurrency, today's use against the daily limit and a halt or
// pause with its reason; the shared token's age and who refreshed it (never the token);
// and each instance's part in a table with the total. Renders OverviewSnapshot::budget.
class ZohoBudgetPanel final : public QFrame {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ZohoBudgetPanel)

public:
    enum InstanceColumn { InstanceName, BooksColumn, InventoryColumn, CrmColumn, InFlightColumn, LastCallColumn,
                          InstanceColumnCount };

    explicit ZohoBudgetPanel(QWidget *parent = nullptr);
    ~ZohoBudgetPanel() override;

    void showSnapshot(const tiersync::OverviewSnapshot &snapshot);

private:
    struct FamilyRow {
        QProgressBar *minute = nullptr;
        QLabel *inFlight = nullptr;
        QProgressBar *day = nullptr;
        QLabel *state = nullptr;
    };

    void showFamilies(const tiersync::OverviewSnapshot &snapshot);
    void showInstances(const tiersync::OverviewSnapshot &snapshot);
    void setEdge(const QString &colour);

    QLabel *m_summary;
    QLabel *m_token;
    std::array<FamilyRow, 3> m_families;
    QTableWidget *m_instances;
};

}  // namespace tiersync::ui
