#pragma once

#include "budget/zoholimitsrepository.h"
#include "console/zoholimitsservice.h"
#include "core/connectionprofile.h"

#include <QGroupBox>
#include <QList>

#include <array>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace tiersync::ui {

// "Zoho limits": the organisation's limits in the active profile's database, which every
// process's Zoho budget enforces. Per family (Books, Inventory, CRM) the plan or edition,
// CRM licences, calls per minute, per day (0: none), at once and the share reads keep, with
// who changed them when. Choosing a plan (or CRM licences) fills per day and at once with
// Zoho's values for it (applyZohoPlan, as `tiersync limits set --plan` does); the fields
// stay editable. Apply stores one family through the limits service (its editor is
// disabled until the answer), says in words why a refusal was refused, and reloads after a
// save. Loads when the profile changes and each time the box is shown; a family with
// unapplied edits keeps them across reloads until Apply or Reload. A null service leaves
// the box idle.
class ZohoLimitsBox final : public QGroupBox {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ZohoLimitsBox)

public:
    explicit ZohoLimitsBox(ZohoLimitsService *service, QWidget *parent = nullptr);
    ~ZohoLimitsBox() override;

    void setProfile(const tiersync::ConnectionProfile &profile);
    // Asks the service again; discard: unapplied edits go too (the Reload button).
    void reload(bool discard = false);

protected:
    void showEvent(QShowEvent *event) override;

private:
    struct Editor {
        ZohoApiFamily family = ZohoApiFamily::Books;
        QComboBox *plan = nullptr;
        QSpinBox *users = nullptr;  // CRM only
        QSpinBox *perMinute = nullptr;
        QSpinBox *perDay = nullptr;
        QSpinBox *concurrency = nullptr;
        QSpinBox *readReserve = nullptr;
        QLabel *changed = nullptr;
        QPushButton *apply = nullptr;
        QLabel *status = nullptr;
        ZohoLimitsRepository::Row stored;  // as last loaded
        bool loaded = false;
        bool dirty = false;
        bool saving = false;
    };

    void buildEditor(Editor &editor);
    void onLoaded(const QList<tiersync::ZohoLimitsRepository::Row> &rows);
    void onSaved(tiersync::ZohoApiFamily family);
    void onFailed(tiersync::ZohoLimitsService::Request request, tiersync::ZohoApiFamily family, const tiersync::ServiceError &error);
    void onPlanChosen(Editor &editor);
    void apply(Editor &editor);
    void showRow(Editor &editor, const ZohoLimitsRepository::Row &row);
    void setEditorEnabled(Editor &editor, bool enabled);
    [[nodiscard]] ZohoLimitsRepository::Row formRow(const Editor &editor) const;
    [[nodiscard]] Editor &editorOf(ZohoApiFamily family);

    ZohoLimitsService *m_service;
    std::array<Editor, 3> m_editors;
    QLabel *m_status;
    QPushButton *m_reload;
    bool m_hasProfile = false;
    bool m_loading = false;
    bool m_filling = false;  // showing loaded values: not the admin's edits
};

}  // namespace tiersync::ui
