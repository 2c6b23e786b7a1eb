package org.panjiyan.ui.state

import org.panjiyan.ui.text.Strings
import uniffi.panjiyan_ffi.PanjiyanException

/**
 * What went wrong, kept as a code (not a text) so that it shows in whichever language is chosen
 * when it is drawn. Texts the core sent in both languages travel as they are.
 */
sealed interface Trouble {
    fun text(strings: Strings): String

    /** One of the app's own sentences, chosen when drawn. */
    class Own(val pick: (Strings) -> String) : Trouble {
        override fun text(strings: Strings) = pick(strings)
    }

    /** An error code of the core (see Strings.errors). */
    data class Code(val code: String) : Trouble {
        override fun text(strings: Strings) = strings.error(code)
    }

    /** A text the core sent in Hindi and English. */
    data class Core(val hi: String, val en: String) : Trouble {
        override fun text(strings: Strings) = strings.pick(hi, en)
    }

    companion object {
        /** Turns the core's exception into something to show; never its internal detail. */
        fun of(e: PanjiyanException): Trouble = when (e) {
            // The server answers a wrong password with 401; nothing else on sign-in does.
            is PanjiyanException.Sync -> if (e.code == "refused" && e.detail.contains("(401)")) {
                Own { it.wrongPassword }
            } else {
                Code(e.code)
            }
            is PanjiyanException.FormProblems -> e.problems.firstOrNull()
                ?.let { Core(it.text.hi, it.text.en) } ?: Code(e.code)
            else -> Code(codeOf(e))
        }

        fun codeOf(e: PanjiyanException): String = when (e) {
            is PanjiyanException.WrongKey -> e.code
            is PanjiyanException.FormProblems -> e.code
            is PanjiyanException.NeedsConfirmation -> e.code
            is PanjiyanException.NotFound -> e.code
            is PanjiyanException.Refused -> e.code
            is PanjiyanException.Sync -> e.code
            is PanjiyanException.Closed -> e.code
            is PanjiyanException.InvalidInput -> e.code
            is PanjiyanException.Internal -> e.code
        }
    }
}
