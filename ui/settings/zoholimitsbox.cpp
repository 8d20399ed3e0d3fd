#include "settings/zoholimitsbox.h"

#include "budget/zoholimitsplan.h"
#include "console/zoholimitsservice.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTimeZone>
#include <QVBoxLayout>

namespace tiersync::ui {

namespace {

constexpr int kEditorWidth = 190;
constexpr ZohoApiFamily kFamilies[] = {ZohoApiFamily::Books, ZohoApiFamily::Inventory, ZohoApiFamily::Crm};

QString familyTitle(ZohoApiFamily family)
{
    switch (family) {
    case ZohoApiFamily::Inventory:
        return QObject::tr("Inventory");
    case ZohoApiFamily::Crm:
        return QObject::tr("CRM");
    case ZohoApiFamily::Books:
        break;
    }
    return QObject::tr("Books");
}

QSpinBox *spinBox(QWidget *parent, const QString &name, int min, int max)
{
    auto *box = new QSpinBox(parent);
    box->setObjectName(name);
    box->setRange(min, max);
    box->setGroupSeparatorShown(true);
    box->setAlignment(Qt::AlignRight);
    return box;
}

QString describeChange(const ZohoLimitsRepository::Row &row)
{
    if (!row.updatedAt.isValid())
        return QObject::tr("Zoho's default");
    return QObject::tr("%1 UTC\nby %2")
        .arg(row.updatedAt.toTimeZone(QTimeZone::utc()).toString(QStringLiteral("yyyy-MM-dd HH:mm")),
             row.updatedBy);
}

void setMessage(QLabel *label, const QString &text, bool error)
{
    label->setText(text);
    label->setStyleSheet(error ? QStringLiteral("color: #b3261e;") : QString());
}

}  // namespace

ZohoLimitsBox::ZohoLimitsBox(ZohoLimitsService *service, QWidget *parent)
    : QGroupBox(tr("Zoho limits of the organisation (the profile in use)"), parent),
      m_service(service),
      m_status(new QLabel(this)),
      m_reload(new QPushButton(tr("Reload"), this))
{
    setObjectName(QStringLiteral("zohoLimitsBox"));
    m_status->setObjectName(QStringLiteral("zohoLimitsStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reload->setObjectName(QStringLiteral("zohoLimitsReload"));

    auto *explanation = new QLabel(
        tr("Every TierSync process of this organisation (servers, CLI, consoles) shares these limits. "
           "Choosing a plan fills per day and at once with Zoho's values; you may change them."),
        this);
    explanation->setObjectName(QStringLiteral("zohoLimitsExplanation"));
    explanation->setWordWrap(true);

    auto *grid = new QGridLayout;
    grid->setObjectName(QStringLiteral("zohoLimitsGrid"));
    const QStringList rowTitles = {QString(),         tr("Plan / edition:"), tr("CRM licences:"),
                                   tr("Per minute:"), tr("Per day (0: none):"), tr("At once:"),
                                   tr("Kept for reads:"), tr("Changed:"),        QString(),
                                   QString()};
    for (int row = 0; row < rowTitles.size(); ++row) {
        if (rowTitles.at(row).isEmpty())
            continue;
        auto *title = new QLabel(rowTitles.at(row), this);
        title->setObjectName(QStringLiteral("zohoLimitsRowTitle%1").arg(row));
        grid->addWidget(title, row, 0, Qt::AlignRight | Qt::AlignVCenter);
    }
    for (int i = 0; i < int(m_editors.size()); ++i) {
        m_editors[i].family = kFamilies[i];
        buildEditor(m_editors[i]);
        auto *heading = new QLabel(QStringLiteral("<b>%1</b>").arg(familyTitle(kFamilies[i])), this);
        heading->setObjectName(zohoApiFamilyName(kFamilies[i]) + QStringLiteral("LimitsHeading"));
        grid->addWidget(heading, 0, i + 1);
        Editor &e = m_editors[i];
        grid->addWidget(e.plan, 1, i + 1);
        if (e.users)
            grid->addWidget(e.users, 2, i + 1);
        grid->addWidget(e.perMinute, 3, i + 1);
        grid->addWidget(e.perDay, 4, i + 1);
        grid->addWidget(e.concurrency, 5, i + 1);
        grid->addWidget(e.readReserve, 6, i + 1);
        grid->addWidget(e.changed, 7, i + 1);
        grid->addWidget(e.apply, 8, i + 1, Qt::AlignLeft);
        grid->addWidget(e.status, 9, i + 1, Qt::AlignTop);
        grid->setColumnMinimumWidth(i + 1, kEditorWidth);
    }
    // The fields keep a readable width on a wide window; the space left goes to the right.
    grid->setColumnStretch(int(m_editors.size()) + 1, 1);

    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_status, 1);
    bottom->addWidget(m_reload);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(explanation);
    layout->addLayout(grid);
    layout->addLayout(bottom);

    connect(m_reload, &QPushButton::clicked, this, [this] { reload(true); });
    if (!m_service) {
        setMessage(m_status, tr("Not connected to the engine."), false);
        setEnabled(false);
        return;
    }
    setMessage(m_status, tr("Choose a profile to use to see its organisation's limits."), false);
    m_reload->setEnabled(false);
    for (Editor &editor : m_editors)
        setEditorEnabled(editor, false);
    connect(m_service, &ZohoLimitsService::limitsLoaded, this, &ZohoLimitsBox::onLoaded);
    connect(m_service, &ZohoLimitsService::saved, this, &ZohoLimitsBox::onSaved);
    connect(m_service, &ZohoLimitsService::failed, this, &ZohoLimitsBox::onFailed);
}

ZohoLimitsBox::~ZohoLimitsBox() = default;

void ZohoLimitsBox::buildEditor(Editor &editor)
{
    const QString prefix = zohoApiFamilyName(editor.family);
    editor.plan = new QComboBox(this);
    editor.plan->setObjectName(prefix + QStringLiteral("Plan"));
    editor.plan->addItems(zohoPlanNames(editor.family));
    if (editor.family == ZohoApiFamily::Crm) {
        editor.users = spinBox(this, prefix + QStringLiteral("Users"), 0, 100000);
        editor.users->setSpecialValueText(tr("not set"));
        editor.users->setToolTip(tr("CRM licences: a paid edition's daily credits grow with them."));
    }
    editor.perMinute = spinBox(this, prefix + QStringLiteral("PerMinute"), 1, 100000);
    editor.perDay = spinBox(this, prefix + QStringLiteral("PerDay"), 0, 1000000000);
    editor.perDay->setSpecialValueText(tr("no daily limit"));
    editor.perDay->setToolTip(editor.family == ZohoApiFamily::Crm
                                  ? tr("API credits per rolling 24 hours; 0: no daily limit")
                                  : tr("Calls per calendar day (UTC); 0: no daily limit"));
    editor.concurrency = spinBox(this, prefix + QStringLiteral("Concurrency"), 1, 1000);
    editor.concurrency->setToolTip(tr("Calls in flight at once, across every process"));
    editor.readReserve = spinBox(this, prefix + QStringLiteral("ReadReserve"), 0, 90);
    editor.readReserve->setSuffix(QStringLiteral(" %"));
    editor.readReserve->setToolTip(tr("Share of the minute and of the calls at once that syncs leave to reads"));
    editor.changed = new QLabel(this);
    editor.changed->setObjectName(prefix + QStringLiteral("Changed"));
    editor.changed->setTextInteractionFlags(Qt::TextSelectableByMouse);
    editor.apply = new QPushButton(tr("Apply %1").arg(familyTitle(editor.family)), this);
    editor.apply->setObjectName(prefix + QStringLiteral("Apply"));
    editor.status = new QLabel(this);
    editor.status->setObjectName(prefix + QStringLiteral("LimitsStatus"));
    editor.status->setWordWrap(true);
    editor.status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    const ZohoApiFamily family = editor.family;
    const auto edited = [this, family] {
        if (!m_filling)
            editorOf(family).dirty = true;
    };
    connect(editor.plan, &QComboBox::activated, this, [this, family] { onPlanChosen(editorOf(family)); });
    if (editor.users)
        connect(editor.users, &QSpinBox::valueChanged, this, [this, family] {
            if (!m_filling)
                onPlanChosen(editorOf(family));
        });
    for (QSpinBox *box : {editor.perMinute, editor.perDay, editor.concurrency, editor.readReserve})
        connect(box, &QSpinBox::valueChanged, this, edited);
    connect(editor.apply, &QPushButton::clicked, this, [this, family] { apply(editorOf(family)); });
}

ZohoLimitsBox::Editor &ZohoLimitsBox::editorOf(ZohoApiFamily family)
{
    for (Editor &editor : m_editors)
        if (editor.family == family)
            return editor;
    return m_editors[0];
}

void ZohoLimitsBox::setProfile(const ConnectionProfile &profile)
{
    if (!m_service)
        return;
    m_hasProfile = true;
    setTitle(tr("Zoho limits of the organisation of “%1”, the profile in use").arg(profile.name));
    m_service->setProfile(profile);
    // Another organisation: nothing typed for the previous one applies to it.
    for (Editor &editor : m_editors) {
        editor.dirty = false;
        editor.loaded = false;
        editor.status->clear();
    }
    m_loading = false;
    m_reload->setEnabled(false);
    for (Editor &editor : m_editors)
        setEditorEnabled(editor, false);
    // Hidden (another tab or page): showEvent asks when the box is shown.
    if (isVisible())
        reload();
}

void ZohoLimitsBox::reload(bool discard)
{
    if (!m_hasProfile)
        return;
    if (discard)
        for (Editor &editor : m_editors)
            if (!editor.saving)
                editor.dirty = false;
    if (m_loading)
        return;
    m_loading = true;
    m_reload->setEnabled(false);
    setMessage(m_status, tr("Loading the limits…"), false);
    m_service->load();
}

void ZohoLimitsBox::showEvent(QShowEvent *event)
{
    QGroupBox::showEvent(event);
    reload();
}

void ZohoLimitsBox::onLoaded(const QList<ZohoLimitsRepository::Row> &rows)
{
    m_loading = false;
    m_reload->setEnabled(true);
    m_status->clear();
    for (const ZohoLimitsRepository::Row &row : rows) {
        Editor &editor = editorOf(row.family);
        editor.stored = row;
        editor.loaded = true;
        editor.changed->setText(describeChange(row));
        if (!editor.dirty && !editor.saving)
            showRow(editor, row);
        if (!editor.saving)
            setEditorEnabled(editor, true);
    }
}

void ZohoLimitsBox::onFailed(ZohoLimitsService::Request request, ZohoApiFamily family, const ServiceError &error)
{
    if (request == ZohoLimitsService::Request::Load) {
        m_loading = false;
        m_reload->setEnabled(true);
        setMessage(m_status, tr("Could not read the limits: %1").arg(error.describe()), true);
        return;
    }
    Editor &editor = editorOf(family);
    editor.saving = false;
    setEditorEnabled(editor, true);
    // A refusal names the field (or the table's constraint); anything else left the
    // stored limits as they were.
    setMessage(editor.status,
               error.error.kind == ErrorKind::InvalidArgument
                   ? tr("Not saved: %1").arg(error.error.message)
                   : tr("The limits were not changed. %1").arg(error.describe()),
               true);
}

void ZohoLimitsBox::showRow(Editor &editor, const ZohoLimitsRepository::Row &row)
{
    m_filling = true;
    if (editor.plan->findText(row.plan) < 0)
        editor.plan->addItem(row.plan);  // a plan this console does not know (set by hand)
    editor.plan->setCurrentText(row.plan);
    if (editor.users)
        editor.users->setValue(row.users);
    editor.perMinute->setValue(row.limits.perWindow);
    editor.perMinute->setSuffix(row.limits.windowMs == 60000
                                    ? QString()
                                    : tr(" per %1 s").arg(row.limits.windowMs / 1000));
    editor.perDay->setValue(int(std::min<qint64>(row.limits.perDay, editor.perDay->maximum())));
    editor.concurrency->setValue(row.limits.concurrency);
    editor.readReserve->setValue(row.limits.readReservePct);
    m_filling = false;
}

void ZohoLimitsBox::setEditorEnabled(Editor &editor, bool enabled)
{
    for (QWidget *widget : std::initializer_list<QWidget *>{editor.plan, editor.users, editor.perMinute,
                                                            editor.perDay, editor.concurrency, editor.readReserve,
                                                            editor.apply})
        if (widget)
            widget->setEnabled(enabled);
}

ZohoLimitsRepository::Row ZohoLimitsBox::formRow(const Editor &editor) const
{
    ZohoLimitsRepository::Row row = editor.stored;
    row.family = editor.family;
    row.plan = editor.plan->currentText();
    if (editor.users)
        row.users = editor.users->value();
    row.limits.perWindow = editor.perMinute->value();
    row.limits.perDay = editor.perDay->value();
    row.limits.concurrency = editor.concurrency->value();
    row.limits.readReservePct = editor.readReserve->value();
    return row;
}

void ZohoLimitsBox::onPlanChosen(Editor &editor)
{
    editor.dirty = true;
    ZohoLimitsRepository::Row row = formRow(editor);
    if (Status planned = applyZohoPlan(row, row.plan, row.users); !planned) {
        setMessage(editor.status, planned.error().message, true);
        return;
    }
    m_filling = true;
    editor.perDay->setValue(int(std::min<qint64>(row.limits.perDay, editor.perDay->maximum())));
    editor.concurrency->setValue(row.limits.concurrency);
    m_filling = false;
    setMessage(editor.status, tr("Zoho's values for %1; Apply to use them.").arg(row.plan), false);
}

void ZohoLimitsBox::apply(Editor &editor)
{
    if (!editor.loaded || editor.saving)
        return;
    editor.saving = true;
    setEditorEnabled(editor, false);
    setMessage(editor.status, tr("Saving…"), false);
    m_service->save(formRow(editor));
}

void ZohoLimitsBox::onSaved(ZohoApiFamily family)
{
    Editor &editor = editorOf(family);
    editor.saving = false;
    setEditorEnabled(editor, true);
    editor.dirty = false;
    setMessage(editor.status, tr("Saved. Every process applies it within seconds."), false);
    reload();
}

}  // namespace tiersync::ui
