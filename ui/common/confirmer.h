#pragma once

#include <QString>

#include <functional>

class QWidget;

namespace tiersync::ui {

// Asks the admin to confirm a destructive action, without blocking: the answer arrives
// through the callback. The console uses a window-modal QMessageBox opened with open()
// (no nested exec() loop); tests inject a Confirmer that answers at once.
class Confirmer {
public:
    using Answer = std::function<void(bool confirmed)>;

    virtual ~Confirmer() = default;
    virtual void ask(QWidget *parent, const QString &title, const QString &text, const QString &actionLabel,
                     Answer answer) = 0;
};

class MessageBoxConfirmer final : public Confirmer {
public:
    void ask(QWidget *parent, const QString &title, const QString &text, const QString &actionLabel,
             Answer answer) override;
};

}  // namespace tiersync::ui
