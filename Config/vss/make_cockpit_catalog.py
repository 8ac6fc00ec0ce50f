#!/usr/bin/env python3
"""Generate Config/vss/cockpit.json, the cockpit subset of a vss-tools expanded JSON export.

Run once against a VSS 6.0 export; the committed cockpit.json is the source of truth afterwards.
Only facts are kept (node type, datatype, unit, min, max, allowed, default); descriptions and
comments are dropped and replaced by the path itself.

    Config/vss/make_cockpit_catalog.py ../shared/data/vss/vss_6.0.json > Config/vss/cockpit.json
"""
import json
import re
import sys

ZONES = r"Row[12]\.(DriverSide|PassengerSide)"
STATIONS = r"Row[12]\.(Driver|Passenger)"
WANTED = [
    r"Vehicle\.(Speed|IsMoving|LowVoltageSystemState|TraveledDistance|TraveledDistanceSinceStart)",
    r"Vehicle\.(TripDuration|TripMeterReading)",
    r"Vehicle\.Acceleration\.(Longitudinal|Lateral)",
    r"Vehicle\.Powertrain\.(Type|Range)",
    r"Vehicle\.Powertrain\.Transmission\.(CurrentGear|SelectedGear)",
    r"Vehicle\.Powertrain\.FuelSystem\.(RelativeLevel|AbsoluteLevel|Range)",
    r"Vehicle\.Powertrain\.TractionBattery\.(Range|StateOfCharge\.(Current|Displayed|CurrentEnergy))",
    r"Vehicle\.Powertrain\.TractionBattery\.Charging\.(IsCharging|ChargeLimit|ChargeRate|TimeToComplete"
    r"|ChargeCurrent\.DC|ChargeVoltage\.DC|StartStopCharging"
    r"|ChargingPort\.AnyPosition\.(IsChargingCableConnected|IsFlapOpen))",
    r"Vehicle\.Chassis\.(Accelerator|Brake)\.PedalPosition",
    r"Vehicle\.Chassis\.SteeringWheel\.(Angle|HeatingCooling)",
    r"Vehicle\.Chassis\.Axle\.Row[12]\.Wheel\.(Left|Right)\.Tire\.Pressure",
    r"Vehicle\.Cabin\.HVAC\.(AmbientAirTemperature|IsAirConditioningActive|IsFrontDefrosterActive"
    r"|IsRearDefrosterActive|IsRecirculationActive)",
    r"Vehicle\.Cabin\.HVAC\.Station\." + STATIONS + r"\.(Temperature|FanSpeed|AirDistribution)",
    r"Vehicle\.Exterior\.(AirTemperature|Humidity|LightIntensity)",
    r"Vehicle\.Cabin\.Seat\." + ZONES + r"\.(HeatingCooling|OccupancyStatus|IsBelted)",
    r"Vehicle\.Cabin\.Door\." + ZONES + r"\.(IsOpen|IsLocked|Window\.Position|Window\.Switch)",
    r"Vehicle\.Cabin\.Sunroof\.(Position|Switch|Shade\.Position)",
    r"Vehicle\.Body\.Lights\.(LightSwitch|Beam\.(Low|High)\.IsOn|Running\.IsOn|Parking\.IsOn"
    r"|Fog\.(Front|Rear)\.IsOn|Hazard\.IsSignaling|DirectionIndicator\.(Left|Right)\.IsSignaling)",
    r"Vehicle\.Cabin\.Light\.(IsDomeOn|PerceivedAmbientLight)",
    r"Vehicle\.Cabin\.Light\.AmbientLight\." + ZONES + r"\.(IsLightOn|Intensity|Color)",
    r"Vehicle\.Body\.Windshield\.Front\.Wiping\.(Mode|System\.Frequency|System\.IsWiping)",
    r"Vehicle\.Body\.Windshield\.(Front|Rear)\.IsHeatingOn",
    r"Vehicle\.Body\.Raindetection\.Intensity",
    r"Vehicle\.CurrentLocation\.(Latitude|Longitude|Heading|Altitude)",
    r"Vehicle\.Driver\.(AttentiveProbability|DistractionLevel|FatigueLevel|IsEyesOnRoad|IsHandsOnWheel)",
]
PATTERN = re.compile("^(" + "|".join(WANTED) + ")$")
FACTS = ("type", "datatype", "unit", "min", "max", "allowed", "default")


def subset(children, prefix):
    kept = {}
    for name, node in children.items():
        path = f"{prefix}.{name}" if prefix else name
        if node["type"] == "branch":
            inner = subset(node.get("children", {}), path)
            if inner:
                kept[name] = {"children": inner, "description": path, "type": "branch"}
        elif PATTERN.match(path):
            leaf = {k: node[k] for k in FACTS if k in node}
            leaf["description"] = path
            kept[name] = leaf
    return kept


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        tree = json.load(f)
    json.dump(subset(tree, ""), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


main()
