#pragma once

#include "common/confirmer.h"

#include <QStringList>

namespace tiersync::test {

// Answers every confirmation at once (yes unless accept is false) and remembers what it
// was asked.
class RecordingConfirmer final : public ui::Confirmer {
public:
    void ask(QWidget *parent, const QString &title, const QString &text, const QString &actionLabel,
             Answer answer) override;

    QStringList questions;
    bool accept = true;
};

}  // namespace tiersync::test
