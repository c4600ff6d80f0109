package dev.agentctl.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubnetsTest {
    @Test
    void theFirstBlockThatOverlapsNothingInUse() {
        assertThat(Subnets.firstFree("172.30.0.0/16", List.of(), 28)).contains("172.30.0.0/28");
        assertThat(Subnets.firstFree("172.30.0.0/16", List.of("172.30.0.0/28", "172.30.0.16/28"), 28))
                .contains("172.30.0.32/28");
        // a larger range in use inside the pool is skipped whole, and IPv6 ranges are no obstacle
        assertThat(Subnets.firstFree("172.30.0.0/16", List.of("172.30.0.0/24", "fd00::/64", "172.17.0.0/16"), 28))
                .contains("172.30.1.0/28");
        // a range that starts mid-block still blocks the whole block
        assertThat(Subnets.firstFree("10.0.0.0/24", List.of("10.0.0.4/30"), 28)).contains("10.0.0.16/28");
    }

    @Test
    void aFullOrCoveredPoolHasNone() {
        assertThat(Subnets.firstFree("172.30.0.0/16", List.of("172.16.0.0/12"), 28))
                .isEmpty();
        List<String> used = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            used.add("10.1.0." + (i * 16) + "/28");
        }
        assertThat(Subnets.firstFree("10.1.0.0/24", used, 28)).isEmpty();
        assertThat(Subnets.firstFree("10.1.0.0/24", used.subList(0, 15), 28)).contains("10.1.0.240/28");
    }
}
