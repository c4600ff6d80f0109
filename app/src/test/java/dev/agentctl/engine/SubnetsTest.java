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

    @Test
    void theRangesThisHostRoutesAreReadFromProcNetRouteWithoutTheDefaultRoute() {
        String table = String.join(
                "\n",
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
                "eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0",
                "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0",
                "br-1\t00001EAC\t00000000\t0001\t0\t0\t0\tF0FFFFFF\t0\t0\t0",
                "");
        assertThat(Subnets.routed(table)).containsExactly("172.17.0.0/16", "172.30.0.0/28");
        // another engine's bridge on 172.30.0.0/28: the next network of this one starts after it
        assertThat(Subnets.firstFree("172.30.0.0/16", Subnets.routed(table), 28))
                .contains("172.30.0.16/28");
    }
}
