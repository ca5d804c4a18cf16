/*
 * remedy.c - how to disable the SIP ALG, per vendor (remedy.h).
 *
 * Sources: the vendors' manuals and knowledge-base articles named in
 * ALG-REFERENCE.md section 0 (Cisco ASA SIP inspection, Fortinet
 * session-helper/voip profile, SonicWall VoIP settings, Juniper security
 * alg), and the providers' router pages collected there (V1, P3).  The
 * rows after linux each cite their own document in a comment above the
 * row: DrayTek's SIP ALG knowledge-base guide, AVM's FRITZ!Box help,
 * the Sophos UTM administration guide, WatchGuard's Fireware help,
 * Palo Alto Networks' PAN-OS Application Override page, Zyxel's ATP
 * user's guide and USG FLEX H help, and (ASUS's own page not found) a
 * VoIP provider's ASUS guide.  Only commands known to exist are given;
 * where a vendor has no CLI the web menu is named, and where there is no
 * switch at all the answer is bridge mode behind a router that can be
 * configured.
 */
#include <stdbool.h>
#include <strings.h>
#include <string.h>

#include "detect/remedy.h"

const struct remedy remedy_table[] = {
	{ "cisco-ios", "ios cisco", "Cisco IOS router (NAT)",
	  "  configure terminal\n"
	  "   no ip nat service sip udp port 5060\n"
	  "   no ip nat service sip tcp port 5060\n"
	  "  end\n"
	  "  write memory\n" },
	{ "cisco-asa", "asa", "Cisco ASA (SIP inspection)",
	  "  configure terminal\n"
	  "   policy-map global_policy\n"
	  "    class inspection_default\n"
	  "     no inspect sip\n"
	  "  end\n"
	  "  write memory\n"
	  "  (use the policy-map and class names of your configuration;\n"
	  "   'show running-config policy-map' lists them)\n" },
	{ "cisco-pix", "pix", "Cisco PIX",
	  "  PIX 6.x:\n"
	  "    configure terminal\n"
	  "    no fixup protocol sip 5060\n"
	  "    no fixup protocol sip udp 5060\n"
	  "    write memory\n"
	  "  PIX 7.x and later: as Cisco ASA (no inspect sip).\n" },
	{ "fortinet", "fortigate fortios", "Fortinet FortiGate (FortiOS)",
	  "  config system settings\n"
	  "      set default-voip-alg-mode kernel-helper-based\n"
	  "      set sip-helper disable\n"
	  "      set sip-nat-trace disable\n"
	  "  end\n"
	  "  config system session-helper\n"
	  "      show                 (note the entry number of 'sip')\n"
	  "      delete <that number>\n"
	  "  end\n"
	  "  Then clear the existing sessions (diagnose sys session clear, or\n"
	  "  reboot).  In a VDOM configuration run the settings part in each\n"
	  "  VDOM.  Firewall policies carrying a VoIP profile keep the\n"
	  "  proxy-based ALG: remove the profile from those policies.\n" },
	{ "sonicwall", "sonicos", "SonicWall (SonicOS)",
	  "  In the web UI under VoIP > Settings (SonicOS 7: Network >\n"
	  "  VoIP > Settings), clear 'Enable SIP Transformations' and accept.\n"
	  "  On the same page turn 'Enable consistent NAT' on: it keeps one\n"
	  "  public port per phone, which registrations need.\n" },
	{ "juniper", "junos srx screenos", "Juniper SRX (Junos) / ScreenOS",
	  "  Junos:\n"
	  "    configure\n"
	  "    set security alg sip disable\n"
	  "    commit\n"
	  "  ScreenOS:\n"
	  "    unset alg sip enable\n"
	  "    save\n" },
	{ "mikrotik", "routeros", "MikroTik RouterOS",
	  "  /ip firewall service-port disable sip\n"
	  "  (the change applies to new connections; remove old ones with\n"
	  "   /ip firewall connection remove [find] or reboot)\n" },
	{ "edgerouter", "ubiquiti edgeos", "Ubiquiti EdgeRouter (EdgeOS)",
	  "  configure\n"
	  "  set system conntrack modules sip disable\n"
	  "  commit ; save\n" },
	{ "unifi", "usg udm", "Ubiquiti UniFi (USG, UDM)",
	  "  USG: the gateway takes EdgeOS settings from config.gateway.json on\n"
	  "  the controller:\n"
	  "    {\"system\": {\"conntrack\": {\"modules\": {\"sip\":\n"
	  "        {\"disable\": \"''\"}}}}}\n"
	  "  then force a provision of the USG.\n"
	  "  UDM/UniFi OS: in the UniFi Network application look in the\n"
	  "  gateway's advanced/firewall settings for the SIP ALG or conntrack\n"
	  "  helper switch (its place changes between versions) and turn it\n"
	  "  off.\n" },
	{ "pfsense", "opnsense", "pfSense / OPNsense",
	  "  There is no SIP ALG by default (uninstall the siproxd package if\n"
	  "  it was added).  The problem is usually outbound NAT changing the\n"
	  "  source port: in the web UI under Firewall > NAT > Outbound choose\n"
	  "  Hybrid mode and add a rule for the phones or PBX (source their\n"
	  "  addresses) with 'Static Port' checked.  Under System > Advanced >\n"
	  "  Firewall & NAT, 'Conservative' optimisation lengthens UDP state\n"
	  "  timeouts.\n" },
	{ "netgear", NULL, "Netgear",
	  "  In the web UI under Advanced > Setup > WAN Setup, check 'Disable\n"
	  "  SIP ALG' and apply; restart the router and the phones.\n" },
	{ "tp-link", "tplink", "TP-Link",
	  "  In the web UI under Advanced > NAT Forwarding > ALG, clear\n"
	  "  'Enable SIP ALG' and save.  Some models have no switch: then use\n"
	  "  bridge/access-point mode behind another router.\n" },
	{ "linksys", NULL, "Linksys",
	  "  In the web UI under Administration (Management / Advanced\n"
	  "  Features on older models; Connectivity > Administration on Smart\n"
	  "  Wi-Fi models) clear 'SIP ALG' and save.\n" },
	{ "d-link", "dlink", "D-Link",
	  "  In the web UI under Advanced > Firewall Settings (or Advanced\n"
	  "  Network) find 'Application Level Gateway (ALG) Configuration' and\n"
	  "  clear SIP; save and reboot.\n" },
	{ "zyxel", NULL, "ZyXEL",
	  "  ZyWALL/USG (ZLD): in the web UI under Configuration > Network >\n"
	  "  ALG, clear 'Enable SIP ALG' (and 'Enable SIP Transformations').\n"
	  "  ZyNOS routers: in the web UI under Advanced > ALG, clear SIP ALG.\n" },
	{ "arris", "surfboard", "Arris / SURFboard gateways",
	  "  Most firmware offers no SIP ALG switch.  Where the web UI has\n"
	  "  Firewall or Advanced > Options, look for 'SIP ALG' and clear it;\n"
	  "  otherwise put the gateway in bridge mode (ask the ISP if needed)\n"
	  "  and use a router whose ALG can be turned off.\n" },
	{ "att", "at&t 2wire bgw", "AT&T / 2Wire / BGW gateways",
	  "  BGW210/BGW320: in the web UI under Firewall > Advanced, turn 'SIP\n"
	  "  ALG' off and save.  2Wire and older gateways have no switch: use\n"
	  "  IP Passthrough (Firewall > IP Passthrough) to a router of your own\n"
	  "  and disable the ALG there.\n" },
	{ "comcast", "xfinity", "Comcast / Xfinity gateways",
	  "  The gateway offers no documented SIP ALG switch.  Put it in\n"
	  "  bridge mode (admin page: Gateway > At a Glance > Bridge Mode, or\n"
	  "  ask Xfinity) and use a router of your own with the ALG off.\n" },
	{ "verizon", "fios", "Verizon (Fios) routers",
	  "  Look in the web UI under Advanced (firewall / security settings)\n"
	  "  for a SIP ALG switch and turn it off.  Where there is none, use a\n"
	  "  router of your own behind the ONT (or bridge the Verizon router)\n"
	  "  with the ALG off.\n" },
	{ "linux", "netfilter iptables nftables openwrt", "Linux netfilter "
	  "(nf_conntrack_sip / nf_nat_sip)",
	  "  Remove the helper assignment: nftables 'ct helper set \"sip...\"'\n"
	  "  rules, or iptables '-j CT --helper sip' rules in the raw table.\n"
	  "  Unload and blacklist the modules:\n"
	  "    modprobe -r nf_nat_sip nf_conntrack_sip\n"
	  "    printf 'blacklist nf_nat_sip\\nblacklist nf_conntrack_sip\\n' \\\n"
	  "        > /etc/modprobe.d/no-sip-alg.conf\n"
	  "  OpenWrt: opkg remove kmod-nf-nathelper-extra (or remove its\n"
	  "  helper rules).  UDP timeouts (seconds):\n"
	  "    sysctl -w net.netfilter.nf_conntrack_udp_timeout=60\n"
	  "    sysctl -w net.netfilter.nf_conntrack_udp_timeout_stream=180\n" },
	/* DrayTek UK knowledge base, "SIP ALG usage on DrayTek Routers",
	 * https://www.draytek.co.uk/support/guides/kb-sip-alg */
	{ "draytek", "vigor", "DrayTek Vigor",
	  "  The SIP ALG is off by default; it is turned on in the web UI under\n"
	  "  NAT > ALG.  To turn it off there, clear the SIP option ('Enable\n"
	  "  ALG' on the SIP line) and click OK.  If the provider uses another\n"
	  "  port, the ALG watches the 'Listen Port' given on that line.\n" },
	/* AVM FRITZ!Box help, "Sicherheitsdiagnose Internet: SIP",
	 * http://service.avm.de/help/de/FRITZ-Box-Fon-WLAN-7490/014/hilfe_port_sip */
	{ "fritzbox", "fritz fritz!box avm", "AVM FRITZ!Box",
	  "  AVM documents no SIP ALG switch.  The FRITZ!Box is a SIP client\n"
	  "  itself: its port 5060 is open once Internet telephone numbers are\n"
	  "  set up (Telefonie > Eigene Rufnummern) and assigned to devices\n"
	  "  (Telefonie > Telefoniegeraete).  Either register the phones with\n"
	  "  the FRITZ!Box as IP telephones and let it register with the\n"
	  "  provider, or do not set up on the box the numbers that a PBX or\n"
	  "  phones behind it register directly.\n" },
	/* Sophos UTM administration guide, "Network Protection > VoIP > SIP",
	 * https://docs.sophos.com/nsg/sophos-utm/utm/9.720/help/en-us/Content/utm/utmAdminGuide/NetProtVoIPSIP.htm */
	{ "sophos-utm", "astaro", "Sophos UTM (SG, Astaro)",
	  "  In WebAdmin under Network Protection > VoIP, SIP tab, click the\n"
	  "  'SIP protocol support' toggle so that it is off.  With\n"
	  "  it off the SIP connection-tracking helper no longer follows the\n"
	  "  calls: allow SIP and the phones' RTP ports with firewall rules.\n" },
	/* WatchGuard Fireware help, "About the SIP-ALG",
	 * https://www.watchguard.com/help/docs/help-center/en-US/Content/en-US/Fireware/proxies/sip/sip_proxy_about_c.html
	 * and "SIP-ALG: General Settings",
	 * https://www.watchguard.com/help/docs/help-center/en-US/Content/en-US/Fireware/proxies/sip/sip_proxy_general_c.html */
	{ "watchguard", "firebox fireware", "WatchGuard Firebox (Fireware)",
	  "  There is no default SIP-ALG policy: the ALG acts only where a\n"
	  "  SIP-ALG proxy policy was added.  In Fireware Web UI or Policy\n"
	  "  Manager find that policy and disable or remove it (let SIP through\n"
	  "  with a packet-filter policy instead).  Where it must stay, clear\n"
	  "  'Enable topology hiding' in the SIP-ALG action's General settings:\n"
	  "  that is the option which rewrites SIP and SDP headers.\n" },
	/* Palo Alto Networks, PAN-OS administration, "Application Override",
	 * https://docs.paloaltonetworks.com/content/techdocs/en_US/network-security/security-policy/administration/objects/applications/application-override-panorama.html */
	{ "paloalto", "palo pan-os panos", "Palo Alto Networks (PAN-OS)",
	  "  Add an Application Override policy rule (Policies > Application\n"
	  "  Override) that matches the SIP traffic of the phones or PBX\n"
	  "  (zones, addresses, protocol UDP or TCP, port 5060) and gives it a\n"
	  "  custom application; that traffic then gets stateful layer 4\n"
	  "  inspection instead of the sip App-ID and its ALG.  Allow the custom\n"
	  "  application in a Security policy rule.\n" },
	/* ASUS's own page was not found; VoiceTel support, "Disable SIP ALG on
	 * ASUS routers", https://voicetel.com/support/voice/firewall/asus/ */
	{ "asus", "asuswrt rt-ax", "ASUS (ASUSWRT)",
	  "  ASUS calls the SIP ALG 'SIP Passthrough'.  In the web UI under\n"
	  "  Advanced Settings > WAN, NAT Passthrough tab, set 'SIP\n"
	  "  Passthrough' to Disable, click Apply, and reboot the router\n"
	  "  (Administration > System) to clear the SIP sessions it holds.\n" },
	/* Zyxel ZyWALL ATP700 User's Guide, chapter 14 ALG (Configuration >
	 * Network > ALG), https://www.manualowl.com/m/ZyXEL/ZyWALL-ATP700/Manual/588007?page=387
	 * and USG FLEX 500H (uOS 1.32) help, "ALG",
	 * https://webhelp.zyxel.com/wohView/help_docs/USG%20FLEX%20500H_V1.32_ABZH/uOS1.32/h_ALG.html */
	{ "zyxel-atp", "atp usgflex usg-flex zld uos", "Zyxel ATP / USG FLEX",
	  "  ATP and USG FLEX on ZLD: in the web UI under Configuration >\n"
	  "  Network > ALG, clear 'Enable SIP ALG' (and 'Enable SIP\n"
	  "  Transformations' where the page shows it) and click Apply.\n"
	  "  USG FLEX H (uOS): its ALG page covers FTP only; there is no SIP\n"
	  "  ALG to turn off.\n" },
	/* Sophos Firewall (SFOS, formerly XG) help, "VoIP",
	 * https://docs.sophos.com/nsg/sophos-firewall/18.0/Help/en-us/webhelp/onlinehelp/nsg/sfos/concepts/FirewallVoIP.html
	 * and the device console's "set" reference (advanced-firewall),
	 * https://docs.sophos.com/nsg/sophos-firewall/20.0/help/en-us/webhelp/onlinehelp/CommandLineHelp/DeviceConsole/Set/index.html
	 * The pages found do not name the switch of the SIP helper. */
	{ "sophos-xg", "sfos xgs sophos-firewall", "Sophos Firewall (SFOS, XG/XGS)",
	  "  Sophos documents that SFOS follows SIP with netfilter connection\n"
	  "  tracking helpers (the SIP ALG) and that SIP needs a firewall rule\n"
	  "  allowing the SIP service.  The firewall-wide helper settings are\n"
	  "  in the device console (set advanced-firewall ...); the pages cited\n"
	  "  in the source do not show the SIP helper's switch, so this entry\n"
	  "  gives no command: see the device console reference of your SFOS\n"
	  "  version, or Sophos support, for turning the SIP module off.\n" },
	/* No Cisco Meraki documentation of a SIP ALG setting was found for
	 * the MX (searched: documentation.meraki.com and the Meraki
	 * dashboard API modules, e.g. cisco.meraki.meraki_mx_l7_firewall,
	 * https://docs.ansible.com/ansible/2.6/collections/cisco/meraki/meraki_mx_l7_firewall_module.html,
	 * which manages layer 3 and 7 rules only). */
	{ "meraki", "cisco-meraki mx", "Cisco Meraki MX",
	  "  No Meraki documentation of a SIP ALG switch was found: the\n"
	  "  dashboard's firewall pages manage layer 3 and layer 7 rules, and\n"
	  "  a rule that blocks SIP does not stop a translation.  This entry\n"
	  "  gives no steps; ask Meraki support whether the MX rewrites SIP\n"
	  "  on your firmware, and handle NAT on the phones/PBX or the server\n"
	  "  as below (--inside/--outside captures show what the MX does).\n" },
	/* Huawei EchoLife GPON terminal service manuals (HG8245/HG8247,
	 * web page reference: Security, Forward Rules),
	 * https://19216811.live/huawei-hg8247-manual/66 and
	 * https://19216811.live/huawei-hg8245t-manual/60 (mirrors of Huawei's
	 * manuals); nothing found for ZTE.  ISP firmware differs per ISP. */
	{ "huawei-zte", "huawei zte echolife hg8245 ont", "Huawei / ZTE ISP routers and ONTs",
	  "  The Huawei EchoLife service manuals found document the security\n"
	  "  pages (IP and MAC filters, DoS, port forwarding) but no SIP ALG\n"
	  "  switch, and nothing was found for ZTE; ISPs ship their own\n"
	  "  firmware with menus of their own.  This entry gives no steps: ask\n"
	  "  the ISP to turn the SIP ALG off, or to put the box in bridge mode\n"
	  "  and use a router whose ALG can be turned off.\n" },
	/* BT, "BT Cloud Phone: your guide to LAN best configuration
	 * practices", section 3.1 "SIP ALG and SPI/DPI",
	 * https://docslib.org/doc/3366799/bt-cloud-phone-your-guide-to-lan-best-configuration-practices
	 * Nothing found from Vodafone. */
	{ "bt-vodafone", "bt smarthub smart-hub vodafone", "BT / Vodafone hubs",
	  "  BT's LAN guide for BT Cloud Phone asks for the SIP ALG (and SIP\n"
	  "  deep packet inspection) to be off on the customer's equipment,\n"
	  "  but documents no switch on the BT Smart Hub itself; nothing was\n"
	  "  found from Vodafone.  This entry gives no steps: ask the provider\n"
	  "  whether the hub rewrites SIP, or put a router whose ALG can be\n"
	  "  turned off behind the hub (hub in bridge or DMZ mode).\n" },
};

const size_t remedy_count = sizeof(remedy_table) / sizeof(remedy_table[0]);

const char remedy_general[] =
    "Whatever the equipment:\n"
    "  - Turn the SIP ALG (SIP helper, SIP inspection, SIP passthrough)\n"
    "    off and handle NAT in one place only: the phone/PBX (rport,\n"
    "    STUN, a configured external address) or the server/SBC (NAT\n"
    "    detection, symmetric RTP / comedia media latching).\n"
    "  - Set UDP NAT timeouts of 150-300 s, or keep bindings alive more\n"
    "    often than the timeout (registration interval, CRLF/OPTIONS\n"
    "    keepalives, RFC 5626 outbound).\n"
    "  - Use consistent NAT with endpoint-independent mapping and\n"
    "    filtering (RFC 4787), so a phone keeps one public port.\n"
    "  - Where the ALG cannot be disabled, put that box in bridge mode\n"
    "    and use a router that can; or use SIP over TLS (port 5061), which\n"
    "    ALGs cannot read.\n";

static bool
word_in(const char *list, const char *name)
{
	size_t n = strlen(name);

	while (list != NULL && *list != '\0') {
		size_t w = strcspn(list, " ");

		if (w == n && strncasecmp(list, name, n) == 0)
			return true;
		list += w;
		/* cppcheck-suppress nullPointerRedundantCheck ; list+w: not NULL */
		while (*list == ' ')
			list++;
	}
	return false;
}

const struct remedy *
remedy_find(const char *name)
{
	for (size_t i = 0; i < remedy_count; i++)
		if (strcasecmp(remedy_table[i].key, name) == 0 ||
		    word_in(remedy_table[i].aliases, name))
			return &remedy_table[i];
	return NULL;
}

/*
 * No-ALG texts per symptom (remedy_no_alg).  The first sentence of each
 * says why an ALG is not the cause, so the rest reads the same for both
 * cases.
 */
#define NO_NAT_WHY \
    "No NAT boundary is shown on this path (both ends in one private " \
    "network, or both on public addresses), so no SIP ALG explains this.  "
#define NAT_NO_ALG_WHY \
    "The phone's private addresses cross the NAT untranslated here: no " \
    "SIP ALG rewrote these messages, so it is not the cause.  "

struct no_alg_row {
	enum symptom_id id;
	const char *expl_nonat, *expl_noalg, *rem;
};

#define NO_ALG_ROW(id, cause, fix) \
	{ id, NO_NAT_WHY cause, NAT_NO_ALG_WHY cause, fix }

static const struct no_alg_row no_alg_rows[] = {
	NO_ALG_ROW(SYMPTOM_ACK_TIMEOUT_DROP,
	    "The 2xx or its ACK is lost on the way: the 2xx Contact (or a "
	    "Record-Route) names an address the other side cannot reach, or "
	    "a firewall drops the ACK.",
	    "Check that each side's Contact is reachable from the other (the "
	    "phone's own NAT settings: rport, STUN or an external address; "
	    "the server's NAT handling or SBC), and the firewall rules for "
	    "SIP between the two."),
	NO_ALG_ROW(SYMPTOM_ONE_WAY_AUDIO,
	    "RTP in one direction goes to an address or port that does not "
	    "reach the receiver: a private c= the far end cannot route to, a "
	    "far end that does not latch onto where media really comes from, "
	    "or a firewall blocking the RTP ports.",
	    "Use one NAT traversal method end to end: STUN or a configured "
	    "external address on the phone/PBX, or symmetric RTP / comedia "
	    "(media latching) on the server or SBC; open or forward the RTP "
	    "port range where a firewall sits."),
	NO_ALG_ROW(SYMPTOM_NO_AUDIO,
	    "RTP reaches neither side: both SDPs name addresses the other "
	    "cannot reach, or a firewall blocks the RTP ports both ways.",
	    "Check the c= and m= each side announces against where its RTP "
	    "really comes from; use STUN or an external address on the "
	    "phones, or media latching on the server; open the RTP ports."),
	NO_ALG_ROW(SYMPTOM_RINGING_AFTER_ANSWER,
	    "The callee's 2xx never reached the caller: it was sent to a Via "
	    "or Contact the caller cannot be reached at, or a firewall drops "
	    "it.",
	    "Check the caller's Via (rport) and Contact and the firewall "
	    "rules for responses; on the server, send responses back to the "
	    "source address and port (rport)."),
	NO_ALG_ROW(SYMPTOM_INBOUND_CALL_UNANSWERED,
	    "The incoming INVITE never reached the phone: its binding expired "
	    "while the phone was silent, a firewall admits only the "
	    "registrar, or a large UDP INVITE was fragmented and dropped.",
	    "Keep the binding alive more often than the NAT/firewall timeout "
	    "(CRLF, STUN or OPTIONS keepalives, shorter registration), raise "
	    "the UDP timeout to 150-300 s, and avoid fragmentation (SIP over "
	    "TCP/TLS, fewer codecs)."),
	NO_ALG_ROW(SYMPTOM_REGISTRATION_FAILURE,
	    "The registration is refused, lost or churns: wrong credentials, "
	    "a blocked path to the registrar, or a NAT mapping that changes "
	    "between refreshes.",
	    "Check the credentials and the path to the registrar; register "
	    "or send keepalives (CRLF, STUN, OPTIONS) more often than the NAT "
	    "UDP timeout, and use consistent (endpoint-independent) NAT."),
	NO_ALG_ROW(SYMPTOM_TRANSFER_FAILURE,
	    "The transfer target or the replaced dialog is unknown or "
	    "unreachable for the far end (a private address in Refer-To, a "
	    "Call-ID the far end does not know, a transfer the server does "
	    "not allow).",
	    "Let the PBX perform the transfer, use domain names instead of IP "
	    "literals in URIs, and check the server's transfer policy."),
	NO_ALG_ROW(SYMPTOM_SESSION_REFRESH_FAILURE,
	    "The session-timer refresh (re-INVITE or UPDATE) was not sent or "
	    "not answered: a side that does not refresh, or a path that drops "
	    "in-dialog requests.",
	    "Check which side must refresh (refresher=) and that in-dialog "
	    "requests reach the other side's Contact."),
	NO_ALG_ROW(SYMPTOM_MEDIA_LOST_AFTER_HOLD,
	    "Audio stopped after hold or a long silence: a media pinhole or "
	    "NAT mapping timed out while no RTP flowed, or the resume SDP "
	    "names an unreachable address.",
	    "Raise the UDP timeout for media (150-300 s), let the phone send "
	    "RTP or comfort noise during hold, or use media latching on the "
	    "server."),
	NO_ALG_ROW(SYMPTOM_OVERSIZE_DROP,
	    "The message was too large for the path (a PPPoE or tunnel link "
	    "with a lower MTU, a large SDP offer, long headers): a router "
	    "dropped it with Don't Fragment set, or its IP fragments were "
	    "dropped on the way, or it vanished where ICMP is filtered while "
	    "smaller messages passed; each retransmission is lost the same "
	    "way.",
	    "Use SIP over TCP/TLS for large requests, offer fewer codecs and "
	    "drop unneeded headers, or raise the MTU of the link that refused "
	    "it; let IP fragments and ICMP \"fragmentation needed\" through "
	    "the firewalls on the path."),
};

int
remedy_no_alg(enum symptom_id s, enum remedy_case c, const char **expl,
    const char **rem)
{
	for (size_t i = 0; i < sizeof(no_alg_rows) / sizeof(no_alg_rows[0]);
	    i++) {
		if (no_alg_rows[i].id != s)
			continue;
		*expl = c == REMEDY_NO_NAT ? no_alg_rows[i].expl_nonat :
		    no_alg_rows[i].expl_noalg;
		*rem = no_alg_rows[i].rem;
		return 0;
	}
	return -1;
}
