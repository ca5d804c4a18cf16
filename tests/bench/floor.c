/*
 * floor.c - the benchmark's floor: the cheapest possible read of a capture
 * with libpcap (open, pcap_next_ex over every packet, sum the lengths).
 * sipalg-analyze cannot be faster than this; the benchmark reports its
 * time as a multiple of it.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t packets = 0, bytes = 0, sum = 0;
	pcap_t *p;

	if (argc != 2) {
		fprintf(stderr, "usage: floor CAPTURE\n");
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(argv[1],
	    PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], errbuf);
		return 1;
	}
	while (pcap_next_ex(p, &h, &data) == 1) {
		packets++;
		bytes += h->caplen;
		/* Touch the data so the read is not optimised away. */
		if (h->caplen > 0)
			sum += data[h->caplen - 1];
	}
	pcap_close(p);
	printf("%" PRIu64 " packets %" PRIu64 " bytes (%" PRIu64 ")\n", packets,
	    bytes, sum & 1);
	return 0;
}
