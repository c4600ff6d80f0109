package dev.agentctl.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain aligned text table. */
final class Table {
    /** Byte counts as people read them: 512.0KiB, 81.3MiB, 1.50GiB. */
    static String bytes(Long b) {
        if (b == null) {
            return "-";
        }
        return b < (1L << 20)
                ? String.format("%.1fKiB", b / 1024.0)
                : b < (1L << 30) ? String.format("%.1fMiB", b / 1048576.0) : String.format("%.2fGiB", b / 1073741824.0);
    }

    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    Table row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = cells[i] == null ? "-" : cells[i].toString();
        }
        rows.add(r);
        return this;
    }

    void print(PrintWriter out) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                sb.append(i == cols - 1 ? r[i] : String.format("%-" + (w[i] + 2) + "s", r[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
